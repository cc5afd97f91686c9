/** The first-visit picker: styles (with a sample each), popular tags and base models. */

import { useState, type ReactElement, type SubmitEvent } from 'react';

import { ImageFrame } from '@/components/media/image-frame';
import { Button } from '@/components/ui/button';
import { CheckIcon } from '@/components/ui/icons';
import { ErrorState, InlineError, LoadingState } from '@/components/ui/states';

import { useCompleteOnboarding, useOnboardingOffer } from '../api/use-onboarding';

function toggle<T>(list: T[], value: T): T[] {
  return list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
}

export function OnboardingPicker(): ReactElement {
  const offer = useOnboardingOffer();
  const complete = useCompleteOnboarding();
  const [styles, setStyles] = useState<number[]>([]);
  const [tags, setTags] = useState<string[]>([]);
  const [bases, setBases] = useState<string[]>([]);
  const picked = styles.length + tags.length + bases.length;

  const onSubmit = (event: SubmitEvent<HTMLFormElement>): void => {
    event.preventDefault();
    complete.mutate({ styles, tags, base_models: bases });
  };

  if (offer.isPending) return <LoadingState label="Gathering styles…" />;
  if (offer.isError) return <ErrorState error={offer.error} onRetry={() => void offer.refetch()} />;

  return (
    <section className="onboarding" aria-labelledby="onboarding-title">
      <form onSubmit={onSubmit}>
        <p className="eyebrow">Welcome to Atelier</p>
        <h1 id="onboarding-title">What do you like to make?</h1>
        <p className="muted onboarding__lead">
          Pick a few styles, tags and the base models you use. Your feed starts from these and keeps
          learning from what you like, save and skip. You can change them any time in your profile.
        </p>
        {offer.data.styles.length > 0 && (
          <fieldset className="fieldset">
            <legend className="field__label">Styles</legend>
            <ul className="styles">
              {offer.data.styles.map((s) => {
                const on = styles.includes(s.id);
                return (
                  <li key={s.id}>
                    <button
                      type="button"
                      className="style-pick"
                      aria-pressed={on}
                      onClick={() => setStyles((c) => toggle(c, s.id))}
                    >
                      {s.sample ? (
                        <ImageFrame
                          image={{
                            id: s.sample.id,
                            url: s.sample.url,
                            width: s.sample.width,
                            height: s.sample.height,
                            blurhash: s.sample.blurhash,
                            contentLevel: 0,
                          }}
                          alt=""
                          crop={0.75}
                          cdnWidth={320}
                        />
                      ) : (
                        <span className="style-pick__blank" />
                      )}
                      <span className="style-pick__title">{s.title}</span>
                      {on && (
                        <span className="style-pick__check" aria-hidden="true">
                          <CheckIcon />
                        </span>
                      )}
                    </button>
                  </li>
                );
              })}
            </ul>
          </fieldset>
        )}
        {offer.data.tags.length > 0 && (
          <fieldset className="fieldset">
            <legend className="field__label">Tags</legend>
            <div className="chips onboarding__chips">
              {offer.data.tags.map((t) => (
                <button
                  key={t}
                  type="button"
                  className="chip chip--big"
                  aria-pressed={tags.includes(t)}
                  onClick={() => setTags((c) => toggle(c, t))}
                >
                  {t}
                </button>
              ))}
            </div>
          </fieldset>
        )}
        {offer.data.base_models.length > 0 && (
          <fieldset className="fieldset">
            <legend className="field__label">Base models</legend>
            <div className="chips onboarding__chips">
              {offer.data.base_models.map((b) => (
                <button
                  key={b}
                  type="button"
                  className="chip chip--big"
                  aria-pressed={bases.includes(b)}
                  onClick={() => setBases((c) => toggle(c, b))}
                >
                  {b}
                </button>
              ))}
            </div>
          </fieldset>
        )}
        <InlineError error={complete.error} />
        <div className="row onboarding__actions">
          <Button type="submit" variant="primary" disabled={complete.isPending}>
            {picked > 0 ? `Start my feed (${picked} picked)` : 'Start my feed'}
          </Button>
          <Button
            variant="ghost"
            onClick={() => complete.mutate({ styles: [], tags: [], base_models: [] })}
            disabled={complete.isPending}
          >
            Skip for now
          </Button>
        </div>
      </form>
    </section>
  );
}
