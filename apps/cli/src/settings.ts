import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from './cli-error';

/** What `herald login` keeps in ~/.config/herald/config.json. */
export interface SavedSettings {
  url?: string;
  ingestUrl?: string;
  gatewayUrl?: string;
  token?: string;
}

/** The URLs and token a command uses: the environment, else the saved login, else the local stack's. */
export interface Settings {
  url: string;
  ingestUrl: string;
  gatewayUrl: string;
  token: string | null;
}

/** The local stack's URLs (`npm start`). */
export const LOCAL = { url: 'http://127.0.0.1:8080', ingestUrl: 'http://127.0.0.1:8081', gatewayUrl: 'ws://127.0.0.1:8082' };

/** `$XDG_CONFIG_HOME/herald/config.json`, by default `~/.config/herald/config.json`. */
export function settingsPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'herald', 'config.json');
}

export async function readSaved(path = settingsPath()): Promise<SavedSettings> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as SavedSettings;
  } catch {
    throw new CliError(`${path} is not valid JSON; run herald login again`);
  }
}

/** Writes the login readable by its owner only (mode 0600): it holds a token. */
export async function save(settings: SavedSettings, path = settingsPath()): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
}

/** The gateway's URL, derived from the management URL's host when nothing says otherwise. */
function derived(url: string, port: number, protocol?: 'ws'): string {
  const parsed = new URL(url);
  parsed.port = String(port);
  if (protocol) parsed.protocol = parsed.protocol === 'https:' ? 'wss:' : 'ws:';
  return parsed.origin;
}

export async function resolveSettings(env: NodeJS.ProcessEnv = process.env): Promise<Settings> {
  const saved = await readSaved(settingsPath(env));
  const url = env.HERALD_URL || saved.url || LOCAL.url;
  const local = url === LOCAL.url;
  return {
    url: url.replace(/\/$/, ''),
    ingestUrl: (env.HERALD_INGEST_URL || saved.ingestUrl || (local ? LOCAL.ingestUrl : derived(url, 8081))).replace(/\/$/, ''),
    gatewayUrl: (env.HERALD_GATEWAY_URL || saved.gatewayUrl || (local ? LOCAL.gatewayUrl : derived(url, 8082, 'ws'))).replace(/\/$/, ''),
    token: env.HERALD_TOKEN || saved.token || null,
  };
}
