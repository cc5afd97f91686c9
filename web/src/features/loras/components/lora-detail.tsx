/** The LoRA page's body: what it is, how to trigger and get it, versions, tags, description. */

import { useMemo, useState, type ReactElement } from 'react';
import { Link } from 'react-router';

import { frameImage, ImageFrame } from '@/components/media/image-frame';
import { Button } from '@/components/ui/button';
import { CopyButton } from '@/components/ui/copy-button';
import { DownloadIcon, ExternalIcon, LayersIcon } from '@/components/ui/icons';
import { exploreHref } from '@/config/paths';
import { ItemActions } from '@/features/catalog/components/item-actions';

import type { LoraDetail as Detail } from '../api/use-lora';

const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });

function size(kb: number | null): string | null {
  if (kb === null) return null;
  return kb > 1024 ? `${(kb / 1024).toFixed(1)} MB` : `${Math.round(kb)} KB`;
}

function date(iso: string | null): string | null {
  return iso ? new Date(iso).toLocaleDateString('en', { year: 'numeric', month: 'short', day: 'numeric' }) : null;
}

export function TriggerWords({ words }: { words: readonly string[] }): ReactElement {
  if (words.length === 0) {
    return <p className="muted">No trigger words: the LoRA works from its weight alone.</p>;
  }
  return (
    <div className="triggers">
      <ul className="triggers__list">
        {words.map((w) => (
          <li key={w} className="trigger-item">
            <code className="trigger">{w}</code>
            <CopyButton text={w} label={`trigger word ${w}`} compact />
          </li>
        ))}
      </ul>
      {words.length > 1 && <CopyButton text={words.join(', ')} label="all trigger words" />}
    </div>
  );
}

export function LoraHeader({ lora }: { lora: Detail }): ReactElement {
  return (
    <header className="lora-head">
      <div className="lora-head__preview">
        {lora.preview ? (
          <ImageFrame
            image={frameImage(lora.preview)}
            alt={`Preview of ${lora.name}`}
            crop={1.25}
            cdnWidth={600}
            eager
          />
        ) : (
          <div className="lora-card__monogram">
            <LayersIcon />
          </div>
        )}
      </div>
      <div className="lora-head__info">
        <p className="eyebrow">{lora.type}</p>
        <h1 className="detail__title">{lora.name}</h1>
        <p className="muted">{lora.creator ? <>by {lora.creator}</> : 'Creator unknown'}</p>
        <div className="chips">
          {lora.base_models.map((b) => (
            <span key={b} className="chip">
              {b}
            </span>
          ))}
          <span className="chip">{compact.format(lora.stats.download_count)} downloads</span>
          {lora.stats.rating_count > 0 && (
            <span className="chip">
              ★ {lora.stats.rating.toFixed(1)} ({compact.format(lora.stats.rating_count)})
            </span>
          )}
          <span className="chip">{lora.image_count.toLocaleString()} images here</span>
        </div>
        <ItemActions type="lora" id={lora.id} saved={lora.saved} />
        <section className="lora-head__section" aria-labelledby="triggers-title">
          <h2 id="triggers-title" className="subhead">
            Trigger words
          </h2>
          <TriggerWords words={lora.trigger_words} />
        </section>
        <div className="row">
          {lora.download_url && (
            <a className="btn btn--primary" href={lora.download_url} rel="noreferrer noopener">
              <DownloadIcon /> Download from Civitai
            </a>
          )}
          <a className="btn" href={lora.civitai_url} target="_blank" rel="noreferrer noopener">
            Civitai page <ExternalIcon />
          </a>
        </div>
      </div>
    </header>
  );
}

export function LoraVersions({ lora }: { lora: Detail }): ReactElement | null {
  if (lora.versions.length === 0) return null;
  return (
    <section aria-labelledby="versions-title">
      <h2 id="versions-title" className="subhead">
        Versions
      </h2>
      <ol className="versions">
        {lora.versions.map((v, index) => (
          <li key={v.id} className="version">
            <div className="version__head">
              <strong>{v.name}</strong>
              {index === 0 && <span className="chip chip--accent">Latest</span>}
              {v.base_model && <span className="chip">{v.base_model}</span>}
              <span className="muted version__date">{date(v.created_at)}</span>
            </div>
            <p className="muted version__meta">
              {v.download_count.toLocaleString()} downloads
              {v.trigger_words.length > 0 && <> · triggers: {v.trigger_words.join(', ')}</>}
            </p>
            {v.files.length > 0 && (
              <ul className="version__files">
                {v.files.map((f) => (
                  <li key={f.name}>
                    {f.download_url ? (
                      <a href={f.download_url} rel="noreferrer noopener">
                        {f.name}
                      </a>
                    ) : (
                      f.name
                    )}
                    <span className="muted">
                      {[size(f.size_kb), f.format, f.is_primary ? 'primary' : null].filter(Boolean).join(' · ')}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** Creator HTML arrives sanitised; give its images empty alt text (they illustrate the text,
 * which says what they show), lazy loading, and open its links in a new tab. */
function polish(html: string): string {
  const template = document.createElement('template');
  template.innerHTML = html;
  template.content.querySelectorAll('img').forEach((img) => {
    if (!img.hasAttribute('alt')) img.setAttribute('alt', '');
    img.setAttribute('loading', 'lazy');
  });
  template.content.querySelectorAll('a[href]').forEach((a) => {
    a.setAttribute('target', '_blank');
    a.setAttribute('rel', 'noreferrer noopener');
  });
  return template.innerHTML;
}

const LONG_DESCRIPTION = 1800;

export function LoraAbout({ lora }: { lora: Detail }): ReactElement {
  const description = useMemo(() => polish(lora.description_html), [lora.description_html]);
  const long = lora.description_html.length > LONG_DESCRIPTION;
  const [expanded, setExpanded] = useState(false);
  return (
    <section aria-labelledby="about-title">
      {lora.tags.length > 0 && (
        <>
          <h2 className="subhead">Tags</h2>
          <ul className="chips tag-links">
            {lora.tags.map((t) => (
              <li key={t}>
                <Link to={exploreHref(t)} className="chip">
                  {t}
                </Link>
              </li>
            ))}
          </ul>
        </>
      )}
      <h2 id="about-title" className="subhead">
        About
      </h2>
      {lora.description_html.trim() ? (
        // Sanitised on the server when imported (nh3), so it is safe to render as HTML.
        <>
          <div
            id="lora-description"
            className={`prose${long && !expanded ? ' prose--clamped' : ''}`}
            dangerouslySetInnerHTML={{ __html: description }}
          />
          {long && (
            <Button
              size="small"
              aria-expanded={expanded}
              aria-controls="lora-description"
              onClick={() => setExpanded((e) => !e)}
            >
              {expanded ? 'Show less' : 'Read the whole description'}
            </Button>
          )}
        </>
      ) : (
        <p className="muted">The creator wrote no description.</p>
      )}
    </section>
  );
}
