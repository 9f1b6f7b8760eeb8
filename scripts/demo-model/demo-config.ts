/**
 * The demo model's architecture, as a Hugging Face Llama config.json. Small enough to pretrain on a shared CPU
 * in under an hour and to ship in the repo, large enough to write recognisable English.
 */
export interface DemoShape {
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  intermediate: number;
  vocab: number;
  context: number;
}

export const DEMO_SHAPE: DemoShape = {
  hidden: 256,
  layers: 4,
  heads: 4,
  kvHeads: 2,
  intermediate: 688,
  vocab: 4096,
  context: 256,
};

/** config.json contents for `shape` (token ids from the demo tokenizer: 0 = <|endoftext|>, 2 = <|im_end|>, 3 = <|pad|>). */
export function demoConfigJson(shape: DemoShape): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: shape.hidden,
    intermediate_size: shape.intermediate,
    num_hidden_layers: shape.layers,
    num_attention_heads: shape.heads,
    num_key_value_heads: shape.kvHeads,
    head_dim: shape.hidden / shape.heads,
    vocab_size: shape.vocab,
    max_position_embeddings: shape.context,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    rope_scaling: null,
    tie_word_embeddings: true,
    hidden_act: 'silu',
    attention_bias: false,
    attention_dropout: 0.0,
    mlp_bias: false,
    initializer_range: 0.02,
    bos_token_id: 0,
    eos_token_id: 0,
    pad_token_id: 3,
    torch_dtype: 'float32',
    use_cache: true,
    transformers_version: '4.46.0',
  };
}

export const GENERATION_CONFIG = {
  bos_token_id: 0,
  eos_token_id: [0, 2],
  pad_token_id: 3,
  max_new_tokens: 200,
  do_sample: true,
  temperature: 0.8,
  top_p: 0.95,
};
