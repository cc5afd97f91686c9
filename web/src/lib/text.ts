/** Small text helpers for showing server-written phrases. */

/** "popular on Atelier" -> "Popular on Atelier". */
export function sentence(text: string): string {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}
