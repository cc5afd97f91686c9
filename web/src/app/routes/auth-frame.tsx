/** The two-panel frame shared by the log-in and sign-up pages. */

import type { ReactElement, ReactNode } from 'react';

export function AuthFrame({
  title,
  lead,
  children,
}: {
  title: string;
  lead: string;
  children: ReactNode;
}): ReactElement {
  return (
    <div className="page auth-page">
      <section className="auth-card" aria-labelledby="auth-title">
        <h1 id="auth-title">{title}</h1>
        <p className="muted">{lead}</p>
        {children}
      </section>
    </div>
  );
}
