/** / : what Atelier is, the search field, popular work, and a way in. */

import { useState, type SubmitEvent, type ReactElement } from 'react';
import { useNavigate } from 'react-router';

import { ButtonLink } from '@/components/ui/button';
import { SearchIcon } from '@/components/ui/icons';
import { exploreHref, paths } from '@/config/paths';
import { FeedImages, FeedLoras } from '@/features/feed/components/feed';
import { useMe } from '@/lib/auth';
import { useDocumentTitle } from '@/lib/use-document-title';

const EXAMPLES = ['moody watercolor harbor at dusk', 'cozy anime cafe interior', 'cyberpunk city in the rain', 'ink sketch of a fox'];

export function Component(): ReactElement {
  useDocumentTitle(null);
  const navigate = useNavigate();
  const me = useMe();
  const [q, setQ] = useState('');
  const onSubmit = (event: SubmitEvent<HTMLFormElement>): void => {
    event.preventDefault();
    void navigate(exploreHref(q.trim()));
  };
  return (
    <div className="landing">
      <section className="hero">
        <div className="hero__inner">
          <p className="eyebrow">Civitai images and the LoRAs behind them</p>
          <h1 className="hero__title">
            Find the look. <span className="hero__accent">Find the LoRA that makes it.</span>
          </h1>
          <p className="hero__lead">
            Describe what you are after and Atelier shows matching images and LoRA models side by
            side, with prompts and settings to copy. Like, save and skip, and your feed learns your
            taste.
          </p>
          <form className="hero__search" role="search" onSubmit={onSubmit}>
            <label htmlFor="landing-q" className="visually-hidden">
              Describe what you are looking for
            </label>
            <div className="search-box">
              <SearchIcon />
              <input
                id="landing-q"
                className="input"
                type="search"
                value={q}
                onChange={(e) => setQ(e.target.value)}
                placeholder="moody watercolor harbor at dusk"
                autoComplete="off"
              />
            </div>
            <button type="submit" className="btn btn--primary hero__go">
              Search
            </button>
          </form>
          <div className="hero__examples">
            <span className="muted">Try:</span>
            {EXAMPLES.map((example) => (
              <ButtonLink key={example} to={exploreHref(example)} variant="ghost" size="small" className="chip">
                {example}
              </ButtonLink>
            ))}
          </div>
          {!me.data && !me.isPending && (
            <div className="hero__cta">
              <ButtonLink to={paths.register} variant="primary">
                Create a free account
              </ButtonLink>
              <ButtonLink to={paths.login}>Log in</ButtonLink>
            </div>
          )}
          {me.data && (
            <div className="hero__cta">
              <ButtonLink to={paths.home} variant="primary">
                Go to your feed
              </ButtonLink>
            </div>
          )}
        </div>
      </section>
      <div className="page">
        <div className="explore__results">
          <FeedImages title={me.data ? 'Picked for you' : 'Popular right now'} endless={false} />
          <FeedLoras title={me.data ? 'LoRAs for you' : 'Popular LoRAs'} />
        </div>
      </div>
    </div>
  );
}
