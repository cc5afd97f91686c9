/** LoRAs like this one, as tiles. */

import type { ReactElement } from 'react';

import { ErrorState } from '@/components/ui/states';
import { LoraList } from '@/features/catalog/components/lora-list';

import { useSimilarLoras } from '../api/use-similar-loras';

export function SimilarLoras({ id }: { id: number }): ReactElement | null {
  const similar = useSimilarLoras(id);
  const items = (similar.data?.data ?? []).map((h) => ({ lora: h.lora }));
  if (similar.isPending || (similar.isSuccess && items.length === 0)) return null;
  return (
    <section className="section" aria-labelledby="similar-loras-title">
      <div className="section-head">
        <h2 id="similar-loras-title">Similar LoRAs</h2>
      </div>
      {similar.isError ? (
        <ErrorState error={similar.error} onRetry={() => void similar.refetch()} />
      ) : (
        <LoraList layout="tile" items={items} label="Similar LoRAs" />
      )}
    </section>
  );
}
