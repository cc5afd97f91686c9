"""Builds the texts that get embedded for images and LoRAs, from prompts, tags and descriptions.

The embedder sees only what these functions write, so they decide what "similar" means:
generation plumbing (LoRA tags, attention weights, quality boilerplate) is removed because it
says nothing about what an image shows, and texts are cut to the model's window with the most
telling parts first, so truncation drops the least useful words, never the subject.
"""

from __future__ import annotations

import functools
import html
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

# all-MiniLM-L6-v2 reads 256 word pieces including [CLS] and [SEP]; the estimate below is
# deliberately pessimistic, so texts built to this budget fit the window with room to spare.
DEFAULT_TOKEN_BUDGET = 250

# A1111 "extra networks" tags, <kind:name:weight[:...]>, for lora, lyco, hypernet and any kind a
# plugin adds: they name files, not content.
_EXTRA_NETWORK_TAG = re.compile(r"<\s*[A-Za-z][\w-]*\s*:[^<>]*>")
_ESCAPED_OPEN, _ESCAPED_CLOSE = "\x01", "\x02"
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
# "(word:1.2)", "[word:0.5]", and "[from:to:0.4]" (prompt editing): the number is a weight/step.
_BRACKET_WEIGHT = re.compile(rf"\s*:\s*{_NUMBER}\s*(?=[)\]])")
# An unclosed "(word:1.2" still ends in a weight: a number after a colon that follows a word.
_TRAILING_WEIGHT = re.compile(rf"(?<=[A-Za-z)\]])\s*:\s*{_NUMBER}\s*(?=[,\n]|$)")
# Prompt editing "[cat:dog]" shows both subjects at some point; keep both as phrases.
_PROMPT_EDIT = re.compile(r"\[([^\[\]:|]+):([^\[\]:|]+)\]")
# Compel-style emphasis: "(word)1.3", "word++", "(word)--".
_COMPEL_NUMBER = re.compile(r"(?<=\))\d*\.\d+")
_COMPEL_SIGNS = re.compile(r"(?<=[\w)\]])[+-]+(?=[\s,()\[\]]|$)")
# Adjacent groups "(red hair)+(bangs)" are separate phrases, though written without a comma.
_ADJACENT_GROUPS = re.compile(r"\)\s*[+-]*\s*\(")
# Alternation "[red|blue]" blends both words into one subject: keep them in one phrase.
_ALTERNATION = re.compile(r"\[([^\[\]|]*(?:\|[^\[\]|]*)+)\]")
_BRACKETS = re.compile(r"[()\[\]{}]")
# "BREAK" (A1111 chunking) and "AND" (composable diffusion) are syntax when written in capitals.
_KEYWORD_SEPARATORS = re.compile(r"\b(?:BREAK|AND)\b")
_SEPARATORS = re.compile(r"[,|\n\r;]+")
_SPACES = re.compile(r"\s+")
_EDGE_PUNCTUATION = " .:;!?-*'\"`~#"

# Words about rendering quality rather than content, removed wherever they appear in a phrase.
_BOILERPLATE = re.compile(
    r"\b(?:"
    r"masterpieces?"
    r"|(?:best|high|higher|highest|top|ultra|super|amazing|great|good|perfect|extreme|premium"
    r"|insane|normal)[\s-]*quality"
    r"|(?:extremely|highly|very|ultra|super|hyper|insanely|incredibly|intricately)[\s-]+detailed"
    r"(?:\s+cg)?(?:\s+unity)?(?:\s+\d+k)?(?:\s+wallpaper)?"
    r"|cg\s+unity(?:\s+\d+k)?(?:\s+wallpaper)?"
    r"|\d{1,2}k(?:\s+(?:uhd|resolution|wallpaper))?"
    r"|(?:incredibly\s+)?(?:absurd|high|hi|ultra)[\s-]*res(?:olution)?"
    r"|huge\s+file\s*size"
    r"|uhd|hdr|ultra[\s-]*hd"
    r"|official\s+art"
    r"|trending\s+on\s+(?:artstation|pixiv|cgsociety|deviantart)"
    r"|award[\s-]*winning"
    r"|sharp\s+focus"
    r"|intricate\s+details?|fine(?:ly)?\s+detail(?:s|ed)?"
    r"|perfect\s+anatomy|anatomically\s+correct"
    r"|(?:high|ultra|extreme|insane)[\s-]+details?"
    r"|raw(?=\s+photo)"
    r"|score\s\d(?:\s+up)?"
    r")\b",
    re.IGNORECASE,
)
_STOPWORDS = frozenset({
    "a", "an", "the", "of", "in", "on", "at", "with", "and", "or", "to", "by", "for", "from",
    "is", "are", "was", "be", "as", "its", "it", "this", "that", "very", "some", "into", "onto",
    "over", "under",
})  # fmt: skip
# Praise that every prompt carries: a phrase made only of these (and stopwords) says nothing
# about the picture. Kept inside a phrase with content ("beautiful detailed eyes").
_FILLER_WORDS = _STOPWORDS | {
    "beautiful", "amazing", "gorgeous", "stunning", "incredible", "incredibly", "extremely",
    "perfect", "best", "good", "great", "original", "detail", "details", "detailed", "absurd",
    "huge", "ultra", "super", "high", "quality", "epic",
}  # fmt: skip
_WORD = re.compile(r"\w+")
_WORD_PIECE = re.compile(r"[A-Za-z]+|\d+|[^\sA-Za-z\d]")
# BERT's normaliser decomposes each Hangul syllable into two or three jamo pieces.
_HANGUL_SYLLABLE = re.compile(r"[\uac00-\ud7a3]")
_HTML_TAG = re.compile(r"<[^>]+>")
_URL = re.compile(r"https?://\S+")

# A phrase up to this many words is a tag-like term ("long hair", "cherry blossoms"); longer
# ones are sentences, which are summarised by their content words instead.
_MAX_TERM_WORDS = 4
# Section caps (estimated tokens) in LoRA and image texts, so that one long section cannot
# crowd out the others; whatever a section leaves unused flows to the sections after it.
_NAME_CAP, _TAGS_CAP, _TRIGGERS_CAP, _SHOWS_CAP = 24, 40, 32, 72
_SHOWCASE_TERMS = 16


@functools.lru_cache(maxsize=131_072)
def estimate_tokens(text: str) -> int:
    """Pessimistic count of BERT word pieces, without needing the tokenizer.

    Each punctuation mark or CJK character is one piece (a Hangul syllable three), and a word
    splits into more pieces the longer it is. On Civitai texts it is at or above the real count
    99% of the time (median 1.3x); made-up words ("fgjfgjh", "phntzm2") split finer, and then
    the tokenizer's own cut removes the tail, which these texts make the least informative part.
    """
    count = 2 * len(_HANGUL_SYLLABLE.findall(text))
    for piece in _WORD_PIECE.findall(text):
        count += 1 if len(piece) <= 4 else math.ceil(len(piece) / 4)
    return count


def strip_lora_tags(prompt: str) -> str:
    """Remove generation syntax from a prompt and leave its words as comma-separated phrases.

    Drops `<lora:..>`, `<lyco:..>`, `<hypernet:..>` (any `<kind:..>`) tags, attention weights
    (`(word:1.2)` -> `word`, `((word))`, `[word]`, `word++`), `BREAK`/`AND`, and collapses
    separators. Escaped parentheses (`\\(`), which are literal text, are kept as parentheses.
    """
    text = prompt.replace("\\(", _ESCAPED_OPEN).replace("\\)", _ESCAPED_CLOSE)
    text = _EXTRA_NETWORK_TAG.sub(",", text)
    text = _BRACKET_WEIGHT.sub("", text)
    text = _TRAILING_WEIGHT.sub("", text)
    text = _PROMPT_EDIT.sub(r"\1, \2", text)
    text = _ALTERNATION.sub(lambda m: m.group(1).replace("|", " "), text)
    text = _ADJACENT_GROUPS.sub("), (", text)
    text = _COMPEL_NUMBER.sub("", text)
    text = _COMPEL_SIGNS.sub("", text)
    text = _BRACKETS.sub(" ", text)
    text = _KEYWORD_SEPARATORS.sub(",", text)
    # Booru-style tags write spaces as underscores ("long_hair").
    text = text.replace("_", " ")
    text = text.replace(_ESCAPED_OPEN, "(").replace(_ESCAPED_CLOSE, ")")
    return ", ".join(_split_phrases(text))


def _split_phrases(text: str) -> list[str]:
    phrases = []
    for raw in _SEPARATORS.split(text):
        phrase = _SPACES.sub(" ", raw).strip(_EDGE_PUNCTUATION)
        if phrase:
            phrases.append(phrase)
    return phrases


def remove_boilerplate(phrase: str) -> str:
    """The phrase without quality and resolution boilerplate; "" if nothing else was in it."""
    rest = _SPACES.sub(" ", _BOILERPLATE.sub(" ", phrase)).strip(_EDGE_PUNCTUATION)
    words = [w.lower() for w in _WORD.findall(rest)]
    return rest if any(w not in _FILLER_WORDS for w in words) else ""


def prompt_phrases(prompt: str) -> list[str]:
    """A prompt's content phrases, in the author's order, without syntax, boilerplate or repeats."""
    return list(_cached_phrases(prompt))


# Civitai re-posts prompts a lot (showcase series, remixes): the same prompt is parsed once.
@functools.lru_cache(maxsize=65_536)
def _cached_phrases(prompt: str) -> tuple[str, ...]:
    seen: set[str] = set()
    phrases = []
    for phrase in _split_phrases(strip_lora_tags(prompt)):
        content = remove_boilerplate(phrase)
        key = content.lower()
        if content and key not in seen:
            seen.add(key)
            phrases.append(content)
    return tuple(phrases)


def showcase_terms(
    prompts: Sequence[str], *, exclude: Iterable[str] = (), limit: int = _SHOWCASE_TERMS
) -> list[str]:
    """The content terms most shared across `prompts`, most frequent first.

    Counted once per prompt (document frequency), so one prompt repeating a word cannot
    dominate; ties keep first-seen order, so the result is deterministic. Terms equal to an
    `exclude` entry (trigger words) are dropped, and excluded words are cut out of longer terms.
    """
    excluded = {_normalise_term(term) for term in exclude if _normalise_term(term)}
    excluded_words = re.compile(
        r"\b(?:"
        + "|".join(re.escape(term) for term in sorted(excluded, key=len, reverse=True))
        + r")\b"
        if excluded
        else r"(?!x)x"
    )
    frequency: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    for prompt in prompts:
        terms = _prompt_terms(prompt, excluded_words)
        for term in set(terms):
            frequency[term] += 1
        for term in terms:
            first_seen.setdefault(term, len(first_seen))
    ranked = sorted(frequency, key=lambda term: (-frequency[term], first_seen[term]))
    return ranked[:limit]


def _prompt_terms(prompt: str, excluded_words: re.Pattern[str]) -> list[str]:
    terms = []
    for phrase in _cached_phrases(prompt):
        # Phrases are already free of prompt syntax: only case, commas and spaces remain.
        rest = _normalise_phrase(excluded_words.sub(" ", _normalise_phrase(phrase)))
        words = rest.split()
        if not any(w not in _FILLER_WORDS for w in words):
            continue
        if len(words) <= _MAX_TERM_WORDS:
            terms.append(rest)
        else:
            terms += [w for w in words if w not in _FILLER_WORDS and len(w) > 1]
    return terms


def _normalise_phrase(phrase: str) -> str:
    return " ".join(phrase.replace(",", " ").lower().split())


def _normalise_term(term: str) -> str:
    return _SPACES.sub(" ", strip_lora_tags(term).replace(",", " ")).strip().lower()


def image_text(
    prompt: str | None, model_tags: Sequence[str], *, max_tokens: int = DEFAULT_TOKEN_BUDGET
) -> str:
    """What an image is about: its prompt's content phrases, then the tags of its model.

    The prompt comes first (it describes this very image); the model's tags (style, subject)
    follow, capped so a long tag list cannot push the prompt out.
    """
    phrases = prompt_phrases(prompt or "")
    in_prompt = {phrase.lower() for phrase in phrases}
    tags = [tag for tag in _clean_items(model_tags) if tag.lower() not in in_prompt]
    tag_text = _fit_list(tags, min(_TAGS_CAP, max_tokens // 4)) if tags else ""
    tag_section = f"Tags: {tag_text}" if tag_text else ""
    prompt_budget = max_tokens - (estimate_tokens(tag_section) + 1 if tag_section else 0)
    prompt_section = _fit_list(phrases, prompt_budget)
    return ". ".join(part for part in (prompt_section, tag_section) if part)


def lora_text(
    name: str,
    tags: Sequence[str],
    trigger_words: Sequence[str],
    description_text: str | None,
    showcase_prompts: Sequence[str],
    *,
    max_tokens: int = DEFAULT_TOKEN_BUDGET,
) -> str:
    """What a LoRA gives: name, tags, trigger words, what its showcase images show, description.

    Ordered from most to least telling per token; the description (often usage notes and
    changelogs) comes last and takes whatever budget is left.
    """
    triggers = _clean_items(trigger_words)
    shows = showcase_terms(showcase_prompts, exclude=triggers)
    sections: list[tuple[str, list[str], int]] = [
        ("", [_clean_name(name)], _NAME_CAP),
        ("Tags: ", _clean_items(tags), _TAGS_CAP),
        ("Trigger words: ", triggers, _TRIGGERS_CAP),
        ("Shows: ", shows, _SHOWS_CAP),
    ]
    parts: list[str] = []
    remaining = max_tokens
    for label, items, cap in sections:
        budget = min(cap, remaining) - estimate_tokens(label)
        body = _fit_list(items, budget) if items and budget > 0 else ""
        if body:
            part = label + body
            parts.append(part)
            remaining -= estimate_tokens(part) + 1  # +1 for the ". " joining sections
    description = _plain_description(description_text or "")
    if description and remaining > 0:
        cut = _fit_words(description, remaining)
        if cut:
            parts.append(cut)
    return ". ".join(parts)


def _clean_name(name: str) -> str:
    return _SPACES.sub(" ", name.replace("_", " ")).strip()


@functools.lru_cache(maxsize=65_536)
def _stripped(item: str) -> str:
    # Tags and trigger words repeat across thousands of items: strip each distinct one once.
    return strip_lora_tags(item)


def _clean_items(items: Iterable[str]) -> list[str]:
    """Strip syntax from each item and drop empties and case-insensitive repeats."""
    seen: set[str] = set()
    out = []
    for item in items:
        clean = _stripped(item)
        if clean and clean.lower() not in seen:
            seen.add(clean.lower())
            out.append(clean)
    return out


def _plain_description(text: str) -> str:
    """Descriptions arrive as (sanitised) HTML: keep the words, drop markup and links."""
    text = _HTML_TAG.sub(" ", text)
    text = _URL.sub(" ", html.unescape(text))
    return _SPACES.sub(" ", text).strip()


def _fit_list(items: Sequence[str], budget: int) -> str:
    """Join whole items with ", " while they fit; a first item too long alone is cut by words."""
    out: list[str] = []
    used = 0
    for item in items:
        cost = estimate_tokens(item) + (1 if out else 0)
        if used + cost > budget:
            if not out:
                return _fit_words(item, budget)
            break
        out.append(item)
        used += cost
    return ", ".join(out)


def _fit_words(text: str, budget: int) -> str:
    """The longest prefix of whole words within `budget` estimated tokens."""
    if estimate_tokens(text) <= budget:
        return text
    words = text.split(" ")
    low, high = 0, len(words)
    while low < high:  # binary search: descriptions can be thousands of words
        mid = (low + high + 1) // 2
        if estimate_tokens(" ".join(words[:mid])) <= budget:
            low = mid
        else:
            high = mid - 1
    return " ".join(words[:low]).rstrip(_EDGE_PUNCTUATION + ",")
