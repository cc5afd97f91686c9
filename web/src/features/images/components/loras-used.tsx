/** The LoRAs (and other resources) an image was made with: weights, trigger words, links. */

import type { ReactElement } from 'react';
import { Link } from 'react-router';

import { CopyButton } from '@/components/ui/copy-button';
import { paths } from '@/config/paths';

import type { UsedResource } from '../api/use-image';

const SOURCES: Record<string, string> = {
  civitai: 'listed by Civitai',
  hash: 'matched by file hash',
  addnet: 'from the AddNet settings',
  resource: 'named in the resources',
  prompt_tag: 'from a <lora:…> tag in the prompt',
  checkpoint: 'the checkpoint',
  posted: 'posted under this model',
};

export function LorasUsed({
  loras,
  others,
}: {
  loras: readonly UsedResource[];
  others: readonly UsedResource[];
}): ReactElement {
  return (
    <section className="used" aria-labelledby="used-title">
      <h3 id="used-title">LoRAs used</h3>
      {loras.length === 0 ? (
        <p className="muted">No LoRA from the catalog was found in this image’s metadata.</p>
      ) : (
        <ul className="used__list">
          {loras.map((r) => (
            <li key={r.version_id} className="used__item" data-testid="lora-used">
              <div className="used__top">
                <Link to={paths.lora(r.model_id)} className="used__name">
                  {r.model_name}
                </Link>
                {r.weight !== null && <span className="chip chip--violet">weight {r.weight}</span>}
              </div>
              <p className="used__meta">
                {r.version_name}
                {r.base_model && <> · {r.base_model}</>} · <span title="How Atelier knows">{SOURCES[r.source] ?? r.source}</span>
              </p>
              {r.trigger_words.length > 0 && (
                <div className="used__triggers">
                  {r.trigger_words.map((w) => (
                    <code key={w} className="trigger">
                      {w}
                    </code>
                  ))}
                  <CopyButton text={r.trigger_words.join(', ')} label={`trigger words of ${r.model_name}`} compact />
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {others.length > 0 && (
        <>
          <h3 className="used__others-title">Other resources</h3>
          <ul className="used__list">
            {others.map((r) => (
              <li key={r.version_id} className="used__item">
                <div className="used__top">
                  <span className="used__name used__name--plain">{r.model_name}</span>
                  <span className="chip">{r.model_type}</span>
                </div>
                <p className="used__meta">{r.version_name}</p>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
