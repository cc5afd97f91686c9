/** Copies text to the clipboard and says so. */

import { useEffect, useState, type ReactElement } from 'react';

import { Button } from './button';
import { CheckIcon, CopyIcon } from './icons';

async function copyText(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Fallback for insecure origins, where the async clipboard is missing.
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- the only option on http origins
  document.execCommand('copy');
  area.remove();
}

export function CopyButton({
  text,
  label,
  compact = false,
}: {
  text: string;
  /** What is copied, e.g. "prompt": read as "Copy prompt". */
  label: string;
  compact?: boolean;
}): ReactElement {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return undefined;
    const timer = window.setTimeout(() => setState('idle'), 1800);
    return () => window.clearTimeout(timer);
  }, [state]);
  const onClick = (): void => {
    copyText(text).then(
      () => setState('copied'),
      () => setState('failed'),
    );
  };
  const text_ = state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : `Copy ${label}`;
  return (
    <Button
      size="small"
      variant="ghost"
      icon={compact}
      onClick={onClick}
      aria-label={compact ? text_ : undefined}
      title={compact ? text_ : undefined}
    >
      {state === 'copied' ? <CheckIcon /> : <CopyIcon />}
      {!compact && <span aria-live="polite">{text_}</span>}
      {compact && (
        <span className="visually-hidden" aria-live="polite">
          {state === 'idle' ? '' : text_}
        </span>
      )}
    </Button>
  );
}
