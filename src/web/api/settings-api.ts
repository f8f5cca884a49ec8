import { z } from 'zod';
import {
  Persona,
  Settings,
  type CreatePersonaRequest,
  type PersonaPatchRequest,
  type SettingsPatchRequest,
} from '../../shared/api/settings.js';
import type { Transport } from './transport.js';
import { PromptManagerPreset, type ImportPromptPresetRequest } from '../../shared/api/prompt-manager.js';

const personaPath = (id: string) => `/api/personas/${encodeURIComponent(id)}`;

/** Per-user settings and personas; their writes are the outbox's and never wait for a person. */
export class SettingsApi {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  get = (signal?: AbortSignal) => this.#http.json('GET', '/api/settings', Settings, signal && { signal });

  patch = (request: SettingsPatchRequest) =>
    this.#http.empty('PATCH', '/api/settings', { body: request, waitForSignIn: false });

  personas = (signal?: AbortSignal) => this.#http.json('GET', '/api/personas', z.array(Persona), signal && { signal });

  createPersona = (request: CreatePersonaRequest) =>
    this.#http.empty('POST', '/api/personas', { body: request, waitForSignIn: false });

  patchPersona = (id: string, request: PersonaPatchRequest) =>
    this.#http.empty('PATCH', personaPath(id), { body: request, waitForSignIn: false });

  deletePersona = (id: string) => this.#http.empty('DELETE', personaPath(id), { waitForSignIn: false });

  /** A SillyTavern chat-completion preset file; sent now (the user waits to see it refused or listed). */
  importPromptPreset = (request: ImportPromptPresetRequest) =>
    this.#http.json('POST', '/api/prompt-presets/import', z.object({ preset: PromptManagerPreset, revision: z.number() }), { body: request });

  promptPresetExportUrl = (id: string) => `/api/prompt-presets/${encodeURIComponent(id)}/export`;

  /** A persona's picture (the cropped square); sent now, not kept in the outbox. */
  setPersonaAvatar = (id: string, image: Blob) => {
    const form = new FormData();
    form.append('file', image, 'avatar.png');
    return this.#http.json('PUT', `${personaPath(id)}/avatar`, Persona, { form });
  };
}
