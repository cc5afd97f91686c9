/** Buttons and button-styled links, in the design system's variants. */

import type { ButtonHTMLAttributes, ReactElement, ReactNode } from 'react';
import { Link, type LinkProps } from 'react-router';

type Variant = 'primary' | 'secondary' | 'ghost' | 'danger';
type Size = 'normal' | 'small';

function classes(variant: Variant, size: Size, icon: boolean, extra?: string): string {
  return [
    'btn',
    variant !== 'secondary' && `btn--${variant}`,
    size === 'small' && 'btn--small',
    icon && 'btn--icon',
    extra,
  ]
    .filter(Boolean)
    .join(' ');
}

interface CommonProps {
  variant?: Variant;
  size?: Size;
  /** A square button holding only an icon: give it an aria-label. */
  icon?: boolean;
  children?: ReactNode;
}

export function Button({
  variant = 'secondary',
  size = 'normal',
  icon = false,
  className,
  type = 'button',
  ...rest
}: CommonProps & ButtonHTMLAttributes<HTMLButtonElement>): ReactElement {
  return <button type={type} className={classes(variant, size, icon, className)} {...rest} />;
}

export function ButtonLink({
  variant = 'secondary',
  size = 'normal',
  icon = false,
  className,
  ...rest
}: CommonProps & LinkProps): ReactElement {
  return <Link className={classes(variant, size, icon, className)} {...rest} />;
}
