/** The studio frame: header with navigation, the open section, and the status bar. */
import { useEffect } from 'react';
import { SectionNav } from './components/SectionNav';
import { SkipLink } from './components/SkipLink';
import { StatusBar } from './components/StatusBar';
import { ThemeToggle } from './components/ThemeToggle';
import { useHashSection } from './hooks/use-hash-section';
import { useTheme } from './hooks/use-theme';
import { SectionView } from './sections/SectionView';
import { startEngine } from './store/engine-actions';
import { watchModelBoot } from './store/model-actions';

export function App() {
  useTheme();
  useHashSection();
  useEffect(() => {
    void startEngine();
  }, []);
  useEffect(() => watchModelBoot(), []);
  return (
    <div className="app">
      <SkipLink />
      <header className="app-header">
        <h1 className="brand">LoRA Studio</h1>
        <SectionNav />
        <ThemeToggle />
      </header>
      <main className="app-main" id="main">
        <SectionView />
      </main>
      <StatusBar />
    </div>
  );
}
