/**
 * How a dataset's prompts were rendered for training, as the dataset and adapter records keep it (issue 15). Only
 * the shape lives here, so records stay tensor- and tokenizer-free; src/data/prompt-format.ts derives and applies it.
 */

/** How prompts are rendered: through the model's chat template (`'chat'`) or a prompt template. */
export interface PromptFormat {
  /** `'chat'`, or a prompt template with `{prompt}` (`'{prompt}'` = plain text). */
  template: string;
  /** Extra chat-template inputs the data was rendered with (Qwen3's `enable_thinking: false`). */
  templateVariables?: Record<string, unknown>;
}
