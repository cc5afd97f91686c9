/** Tastes and limits: liked and blocked tags, base models, content level, real people. */

import { useId, useState, type ReactElement, type SubmitEvent } from 'react';

import { Button } from '@/components/ui/button';
import { InlineError } from '@/components/ui/states';
import { TagInput } from '@/components/ui/tag-input';
import { CONTENT_LEVELS } from '@/config/content-levels';
import { STARTER_STYLES } from '@/config/catalog';
import { useFacets } from '@/features/catalog/api/use-facets';
import type { Preferences } from '@/lib/api/types';
import { toast } from '@/lib/toast';

import { useUpdatePreferences } from '../api/use-account';

function same(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function PreferencesForm({ preferences }: { preferences: Preferences }): ReactElement {
  const update = useUpdatePreferences();
  const facets = useFacets();
  const levelName = useId();
  const [liked, setLiked] = useState(preferences.liked_tags);
  const [blocked, setBlocked] = useState(preferences.blocked_tags);
  const [bases, setBases] = useState(preferences.base_models);
  const [level, setLevel] = useState(preferences.max_content_level);
  const [poi, setPoi] = useState(preferences.show_poi);

  const dirty =
    !same(liked, preferences.liked_tags) ||
    !same(blocked, preferences.blocked_tags) ||
    !same(bases, preferences.base_models) ||
    level !== preferences.max_content_level ||
    poi !== preferences.show_poi;

  const toggleBase = (b: string): void =>
    setBases((current) => (current.includes(b) ? current.filter((x) => x !== b) : [...current, b]));

  const onSubmit = (event: SubmitEvent<HTMLFormElement>): void => {
    event.preventDefault();
    update.mutate(
      { liked_tags: liked, blocked_tags: blocked, base_models: bases, max_content_level: level, show_poi: poi },
      { onSuccess: () => toast('Preferences saved: every page now follows them.') },
    );
  };

  return (
    <form className="prefs" onSubmit={onSubmit} aria-label="Preferences">
      <TagInput
        label="Tags you like"
        value={liked}
        onChange={setLiked}
        hint="Your feed leans toward these."
        suggestions={STARTER_STYLES}
      />
      <TagInput
        label="Blocked tags"
        value={blocked}
        onChange={setBlocked}
        tone="violet"
        hint="Images and LoRAs with these tags disappear everywhere: search, feed, similar."
        placeholder="e.g. horror, then Enter"
      />
      <fieldset className="fieldset">
        <legend className="field__label">Base models you use</legend>
        <p className="field__hint">Leave all off to see every base model.</p>
        <div className="chips">
          {(facets.data?.base_models ?? []).map((b) => (
            <button key={b} type="button" className="chip" aria-pressed={bases.includes(b)} onClick={() => toggleBase(b)}>
              {b}
            </button>
          ))}
        </div>
      </fieldset>
      <fieldset className="fieldset">
        <legend className="field__label">Content you allow</legend>
        <p className="field__hint">Nothing above this level is ever shown to you. Anything above PG is blurred until you click it.</p>
        <div className="levels">
          {CONTENT_LEVELS.map((l) => (
            <label key={l.value} className="level">
              <input
                type="radio"
                name={levelName}
                value={l.value}
                checked={level === l.value}
                onChange={() => setLevel(l.value)}
              />
              <span>
                <strong>{l.label}</strong>
                <span className="muted"> — {l.description}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <label className="check">
        <input type="checkbox" checked={poi} onChange={(e) => setPoi(e.target.checked)} />
        <span>Show models and images of real people</span>
      </label>
      <InlineError error={update.error} />
      <div className="row">
        <Button type="submit" variant="primary" disabled={!dirty || update.isPending}>
          {update.isPending ? 'Saving…' : 'Save preferences'}
        </Button>
        {!dirty && <span className="muted">All changes saved.</span>}
      </div>
    </form>
  );
}
