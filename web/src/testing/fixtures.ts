/** Sample API payloads for tests, typed by the generated schema. */

import type { Me, Schemas } from '@/lib/api/types';

export const ME: Me = {
  username: 'ada',
  created_at: '2025-01-01T00:00:00Z',
  onboarded: true,
  saved_images: 0,
  saved_loras: 0,
  preferences: {
    liked_tags: [],
    blocked_tags: [],
    base_models: [],
    max_content_level: 1,
    show_poi: false,
  },
};

export const IMAGE: Schemas['ImageCardPublic'] = {
  id: 12340,
  url: 'https://image.civitai.com/x/abc/width=450/12340.jpeg',
  width: 1280,
  height: 896,
  blurhash: 'UDG]Ho}q~V%#RQs9R5S#RQIBSg-;?a-;ozD*',
  prompt_excerpt: 'a moody watercolor harbor at dusk, boats, <lora:harbor:0.8>',
  content_level: 0,
};

export const SOFT_IMAGE: Schemas['ImageCardPublic'] = { ...IMAGE, id: 555, content_level: 1 };

export const LORA: Schemas['LoraCardPublic'] = {
  id: 7,
  name: 'Harbor Watercolor',
  creator: 'inkwell',
  base_model: 'SD 1.5',
  preview: IMAGE,
};
