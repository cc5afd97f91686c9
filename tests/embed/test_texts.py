"""Text builders: generation syntax out, content in, most telling first, within the window."""

from __future__ import annotations

import pytest

from atelier.embed.texts import (
    DEFAULT_TOKEN_BUDGET,
    estimate_tokens,
    image_text,
    lora_text,
    prompt_phrases,
    remove_boilerplate,
    showcase_terms,
    strip_lora_tags,
)


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("1girl, <lora:makima_offset:1>, red hair", "1girl, red hair"),
        ("cat <lyco:fluffy:0.7> on a sofa", "cat, on a sofa"),
        ("<hypernet:anime_style:0.5>portrait", "portrait"),
        ("<lora:detail:0.6:lbw=OUTALL> city", "city"),
        ("(red hair:1.2), ((blue eyes)), [freckles]", "red hair, blue eyes, freckles"),
        ("(smile: 0.8 ), (tall:.5)", "smile, tall"),
        ("(unclosed weight:1.3, next", "unclosed weight, next"),
        ("(red hair)+(long braided hair)+(bangs)", "red hair, long braided hair, bangs"),
        ("word++, (big)1.3 smile, dark--", "word, big smile, dark"),
        ("[cat:dog:0.5]", "cat, dog"),
        ("a [red|blue] car", "a red blue car"),
        ("forest BREAK river AND mountains", "forest, river, mountains"),
        ("long_hair,  looking_at_viewer", "long hair, looking at viewer"),
        ("makima \\(chainsaw man\\), smile", "makima (chainsaw man), smile"),
        ("first line\nsecond line,, ,third", "first line, second line, third"),
        ("anti-aliasing, 16:9 frame", "anti-aliasing, 16:9 frame"),
        ("", ""),
    ],
)
def test_strip_lora_tags_removes_generation_syntax(prompt: str, expected: str) -> None:
    assert strip_lora_tags(prompt) == expected


def test_strip_lora_tags_keeps_lowercase_and_and_break_as_words() -> None:
    assert strip_lora_tags("salt and pepper, break dance") == "salt and pepper, break dance"


@pytest.mark.parametrize(
    "phrase",
    [
        "masterpiece",
        "best quality",
        "highres",
        "absurdres",
        "8k uhd",
        "extremely detailed CG unity 8k wallpaper",
        "ultra-detailed",
        "trending on artstation",
        "beautiful",
        "amazing, perfect",
    ],
)
def test_quality_boilerplate_phrases_are_dropped(phrase: str) -> None:
    assert remove_boilerplate(phrase) == ""


def test_boilerplate_inside_a_content_phrase_is_cut_out_and_the_content_kept() -> None:
    assert remove_boilerplate("masterpiece portrait of a knight") == "portrait of a knight"
    assert remove_boilerplate("beautiful detailed eyes") == "beautiful detailed eyes"
    assert remove_boilerplate("RAW photo") == "photo"


def test_prompt_phrases_drop_repeats_regardless_of_case() -> None:
    assert prompt_phrases("Red Fox, snow, red fox, masterpiece, SNOW") == ["Red Fox", "snow"]


def test_image_text_puts_the_prompt_first_then_the_model_tags() -> None:
    text = image_text(
        "masterpiece, best quality, 1girl, (silver hair:1.2), <lora:elf:0.8> forest",
        ["fantasy", "elf", "character"],
    )
    assert text == "1girl, silver hair, forest. Tags: fantasy, elf, character"


def test_image_text_skips_tags_the_prompt_already_says() -> None:
    assert image_text("forest, elf", ["elf", "Forest", "anime"]) == "forest, elf. Tags: anime"


def test_image_text_without_prompt_is_the_tags_alone() -> None:
    assert image_text(None, ["landscape", "style"]) == "Tags: landscape, style"
    assert image_text("   ", []) == ""


def test_image_text_keeps_whole_phrases_when_cutting_a_long_prompt() -> None:
    prompt = ", ".join(f"phrase number {i}" for i in range(200))
    text = image_text(prompt, ["style"], max_tokens=60)
    assert text.startswith("phrase number 0, phrase number 1")
    assert text.endswith(". Tags: style")
    assert all(p.startswith("phrase number") for p in text.split(". Tags")[0].split(", "))
    assert estimate_tokens(text) <= 60


def test_image_text_does_not_let_a_long_tag_list_push_the_prompt_out() -> None:
    tags = [f"tag{i}" for i in range(300)]
    text = image_text("a lighthouse in a storm", tags, max_tokens=80)
    assert text.startswith("a lighthouse in a storm. Tags: tag0")
    assert estimate_tokens(text) <= 80


def test_showcase_terms_are_ranked_by_how_many_prompts_share_them() -> None:
    prompts = [
        "masterpiece, 1girl, armor, castle",
        "best quality, 1girl, armor, dragon",
        "1girl, sword, armor",
    ]
    assert showcase_terms(prompts, limit=3) == ["1girl", "armor", "castle"]


def test_a_term_repeated_within_one_prompt_counts_once() -> None:
    prompts = ["owl, owl, owl, owl", "cat, fox", "cat, fox"]
    assert showcase_terms(prompts, limit=2) == ["cat", "fox"]


def test_showcase_terms_leave_out_trigger_words_and_boilerplate() -> None:
    prompts = ["zzy, 1girl, hair bun, 8k", "zzy woman, hair bun, masterpiece"]
    terms = showcase_terms(prompts, exclude=["ZZY"])
    assert terms == ["hair bun", "1girl", "woman"]


def test_sentence_prompts_are_summarised_by_their_content_words() -> None:
    prompts = [
        "a photo of an old fisherman mending nets at the harbor",
        "an old fisherman smoking a pipe at the harbor at dawn",
    ]
    terms = showcase_terms(prompts, limit=3)
    assert terms == ["old", "fisherman", "harbor"]


def test_lora_text_orders_name_tags_triggers_showcase_then_description() -> None:
    text = lora_text(
        "Samurai_Armor",
        ["clothing", "armor"],
        ["samuraiarmor", "<lora:samurai:1>"],
        "<p>Trained on 40 images of <b>Edo-period</b> armor.</p>",
        [
            "masterpiece, samuraiarmor, 1boy, katana, cherry blossoms",
            "best quality, samuraiarmor, 1boy, katana, night",
        ],
    )
    assert text == (
        "Samurai Armor. Tags: clothing, armor. Trigger words: samuraiarmor. "
        "Shows: 1boy, katana, cherry blossoms, night. "
        "Trained on 40 images of Edo-period armor."
    )


def test_lora_text_cuts_a_long_description_at_a_word_boundary_within_budget() -> None:
    description = " ".join(["lorem ipsum dolor sit amet"] * 400)
    text = lora_text("Name", ["style"], [], description, ["castle"], max_tokens=100)
    assert text.startswith("Name. Tags: style. Shows: castle. lorem ipsum")
    assert estimate_tokens(text) <= 100
    assert text.split()[-1] in {"lorem", "ipsum", "dolor", "sit", "amet"}


def test_lora_text_skips_empty_sections() -> None:
    assert lora_text("Just A Name", [], [], None, []) == "Just A Name"


def test_lora_text_drops_links_from_descriptions() -> None:
    text = lora_text("N", [], [], "See https://example.com/x?y=1 for samples", [])
    assert text == "N. See for samples"


def test_lora_text_caps_each_section_so_description_still_fits() -> None:
    tags = [f"tag{i}" for i in range(200)]
    text = lora_text("N", tags, [], "the description survives", [])
    assert text.endswith("the description survives")
    assert estimate_tokens(text) <= DEFAULT_TOKEN_BUDGET


def test_token_estimate_counts_punctuation_and_long_words() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("a cat, sat") == 4
    assert estimate_tokens("photorealistic") == 4


@pytest.mark.model
def test_built_texts_fit_the_real_tokenizer_window(real_prompts: list[str]) -> None:
    from tokenizers import Tokenizer

    from atelier.embed._common import packaged_minilm_dir
    from atelier.embed.minilm_torch import MINILM_MAX_TOKENS

    tokenizer = Tokenizer.from_file(str(packaged_minilm_dir() / "tokenizer.json"))
    tokenizer.no_truncation()
    texts = [image_text(p * 3, ["style", "character"]) for p in real_prompts]
    texts.append(lora_text("Name", ["tag"], ["trig"], " ".join(real_prompts), real_prompts))
    lengths = [len(tokenizer.encode(text).ids) for text in texts]
    assert max(lengths) <= MINILM_MAX_TOKENS
