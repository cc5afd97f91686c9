/** /home : the personal feed; on the first visit, the onboarding picker. */

import type { ReactElement } from 'react';

import { LoadingState } from '@/components/ui/states';
import { FeedImages, FeedLoras } from '@/features/feed/components/feed';
import { OnboardingPicker } from '@/features/onboarding/components/onboarding-picker';
import { useMe } from '@/lib/auth';
import { useDocumentTitle } from '@/lib/use-document-title';

export function Component(): ReactElement {
  const me = useMe();
  const onboarding = me.data ? !me.data.onboarded : false;
  useDocumentTitle(onboarding ? 'Welcome' : 'For you');
  if (!me.data) return <LoadingState />;
  if (onboarding) {
    return (
      <div className="page page--narrow">
        <OnboardingPicker />
      </div>
    );
  }
  return (
    <div className="page home">
      <div className="page-head">
        <div>
          <h1>For you, {me.data.username}</h1>
          <p>Picked from what you like, save and skip. Each card says why.</p>
        </div>
      </div>
      <div className="explore__results">
        <FeedImages />
        <FeedLoras />
      </div>
    </div>
  );
}
