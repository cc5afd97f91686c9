/** The app: providers around the router. */

import type { ReactElement } from 'react';

import './styles/index.css';
import { AppProvider } from './provider';
import { AppRouter } from './router';

export function App(): ReactElement {
  return (
    <AppProvider>
      <AppRouter />
    </AppProvider>
  );
}
