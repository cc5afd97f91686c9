/** Shown when a page fails to load or render (e.g. a chunk missing after a deploy). */

import type { ReactElement } from 'react';
import { isRouteErrorResponse, useRouteError } from 'react-router';

import { Button, ButtonLink } from '@/components/ui/button';
import { paths } from '@/config/paths';

export function RouteError(): ReactElement {
  const error = useRouteError();
  const message = isRouteErrorResponse(error)
    ? `${error.status} ${error.statusText}`
    : error instanceof Error
      ? error.message
      : 'Unknown error';
  return (
    <div className="page page--narrow">
      <div className="state" role="alert">
        <h1>This page could not be shown</h1>
        <p>{message}</p>
        <div className="row">
          <Button variant="primary" onClick={() => window.location.reload()}>
            Reload
          </Button>
          <ButtonLink to={paths.landing}>Go to the start page</ButtonLink>
        </div>
      </div>
    </div>
  );
}
