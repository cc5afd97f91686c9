/** LoRA cards as a column (beside images) or a grid, without the ones the person hid. */

import type { ReactElement, ReactNode } from 'react';

import { itemKey, useWithoutHidden } from '../api/item-state';
import { LoraCard, type CardLora } from './lora-card';

export interface LoraItem {
  lora: CardLora;
  reason?: string | null;
  extra?: string | null;
}

export function LoraList({
  items,
  label,
  layout = 'row',
  renderFooter,
}: {
  items: readonly LoraItem[];
  renderFooter?: (item: LoraItem) => ReactNode;
  label: string;
  layout?: 'row' | 'tile';
}): ReactElement {
  const visible = useWithoutHidden(items, (i) => itemKey('lora', i.lora.id));
  return (
    <ul className={layout === 'row' ? 'lora-list' : 'lora-grid'} aria-label={label}>
      {visible.map((item) => (
        <li key={item.lora.id}>
          <LoraCard
            lora={item.lora}
            reason={item.reason}
            extra={item.extra}
            layout={layout}
            footer={renderFooter?.(item)}
          />
        </li>
      ))}
    </ul>
  );
}
