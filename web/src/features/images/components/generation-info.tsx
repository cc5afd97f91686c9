/** Prompt, negative prompt and settings, each with a copy button, plus an A1111-style copy-all. */

import type { ReactElement } from 'react';

import { CopyButton } from '@/components/ui/copy-button';

import type { ImageDetail } from '../api/use-image';

const LABELS: Record<string, string> = {
  sampler: 'Sampler',
  steps: 'Steps',
  cfg_scale: 'CFG scale',
  seed: 'Seed',
  clip_skip: 'Clip skip',
  size: 'Size',
};

function format(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(+value.toFixed(3));
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** The parameters block AUTOMATIC1111 and friends paste back into their UI. */
export function a1111Parameters(image: ImageDetail): string {
  const lines: string[] = [];
  if (image.prompt) lines.push(image.prompt);
  if (image.negative_prompt) lines.push(`Negative prompt: ${image.negative_prompt}`);
  const parts = Object.entries(image.settings).map(([k, v]) => `${LABELS[k] ?? k}: ${format(v)}`);
  if (image.checkpoint_hash) parts.push(`Model hash: ${image.checkpoint_hash}`);
  if (image.checkpoint_name) parts.push(`Model: ${image.checkpoint_name}`);
  if (parts.length) lines.push(parts.join(', '));
  return lines.join('\n');
}

function PromptBlock({ title, text, copyLabel }: { title: string; text: string; copyLabel: string }): ReactElement {
  return (
    <section className="prompt-block">
      <div className="prompt-block__head">
        <h3>{title}</h3>
        <CopyButton text={text} label={copyLabel} />
      </div>
      <p className="code-block">{text}</p>
    </section>
  );
}

export function GenerationInfo({ image }: { image: ImageDetail }): ReactElement {
  const settings = Object.entries(image.settings);
  const hasAny = Boolean(image.prompt || image.negative_prompt || settings.length);
  return (
    <div className="generation">
      {image.prompt ? (
        <PromptBlock title="Prompt" text={image.prompt} copyLabel="prompt" />
      ) : (
        <p className="muted">The author did not share the prompt for this image.</p>
      )}
      {image.negative_prompt && (
        <PromptBlock title="Negative prompt" text={image.negative_prompt} copyLabel="negative prompt" />
      )}
      {(settings.length > 0 || image.checkpoint_name) && (
        <section>
          <div className="prompt-block__head">
            <h3>Settings</h3>
            {hasAny && <CopyButton text={a1111Parameters(image)} label="all parameters" />}
          </div>
          <dl className="kv settings-grid">
            {settings.map(([key, value]) => (
              <div key={key} className="kv__pair">
                <dt>{LABELS[key] ?? key}</dt>
                <dd>{format(value)}</dd>
              </div>
            ))}
            {image.checkpoint_name && (
              <div className="kv__pair kv__pair--wide">
                <dt>Checkpoint</dt>
                <dd>
                  {image.checkpoint_name}
                  {image.checkpoint_hash && <span className="muted"> · {image.checkpoint_hash}</span>}
                </dd>
              </div>
            )}
            {image.base_model && (
              <div className="kv__pair">
                <dt>Base model</dt>
                <dd>{image.base_model}</dd>
              </div>
            )}
          </dl>
        </section>
      )}
    </div>
  );
}
