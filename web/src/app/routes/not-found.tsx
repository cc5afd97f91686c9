/** Any path the app does not know. */

import type { ReactElement } from 'react';

import { ButtonLink } from '@/components/ui/button';
import { EmptyState } from '@/components/ui/states';
import { paths } from '@/config/paths';
import { useDocumentTitle } from '@/lib/use-document-title';

export function Component(): ReactElement {
  useDocumentTitle('Not found');
  return (
    <div className="page page--narrow">
      <EmptyState
        title="Nothing here"
        action={<ButtonLink to={paths.explore} variant="primary">Explore images and LoRAs</ButtonLink>}
      >
        This address does not match any page. Search for something instead.
      </EmptyState>
    </div>
  );
}
