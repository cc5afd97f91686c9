/** Short names for the generated schema's types (never written by hand: see schema.d.ts). */

import type { components } from './schema';

export type Schemas = components['schemas'];
export type Me = Schemas['MePublic'];
export type Preferences = Schemas['PreferencesPublic'];
export type PreferencesUpdate = Schemas['PreferencesUpdate'];
export type Credentials = Schemas['Credentials'];
