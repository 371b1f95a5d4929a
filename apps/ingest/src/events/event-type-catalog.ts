import { Injectable } from '@nestjs/common';
import { EventTypeRepository } from '@herald/persistence';
import { compileEventSchema } from '@herald/platform';
import type { ValidateFunction } from 'ajv/dist/2020';

/** What ingest needs to know of an event type. Undeclared types have no schema. */
export interface EventTypeRules {
  validate: ValidateFunction | null;
  deprecated: boolean;
}

const TTL_MS = 1000;
const MAX_ENTRIES = 10_000;
const UNDECLARED: EventTypeRules = { validate: null, deprecated: false };

/**
 * Event types' schemas, compiled once per version and re-read about twice a second per type in
 * use, so a schema change applies within a second without a query per event (nor an event
 * waiting for one).
 */
@Injectable()
export class EventTypeCatalog {
  private readonly cache = new Map<string, { rules: EventTypeRules; version: number; expires: number }>();
  /** Reads under way: every event of a type arriving meanwhile waits for the same one. */
  private readonly reading = new Map<string, Promise<EventTypeRules>>();

  constructor(private readonly eventTypes: EventTypeRepository) {}

  rules(name: string): Promise<EventTypeRules> {
    const cached = this.cache.get(name);
    const now = Date.now();
    if (cached && cached.expires > now) {
      // Past half its life, a type in use is re-read in the background: events never wait for
      // that query, and what they are checked against is still at most TTL_MS old.
      if (cached.expires - now < TTL_MS / 2) void this.reread(name).catch(() => undefined);
      return Promise.resolve(cached.rules);
    }
    return this.reread(name);
  }

  /** One read of a type at a time, shared by everyone who asks meanwhile. */
  private reread(name: string): Promise<EventTypeRules> {
    let reading = this.reading.get(name);
    if (!reading) {
      reading = this.read(name).finally(() => this.reading.delete(name));
      this.reading.set(name, reading);
    }
    return reading;
  }

  private async read(name: string): Promise<EventTypeRules> {
    const now = Date.now();
    const cached = this.cache.get(name);
    let row;
    try {
      row = await this.eventTypes.findByName(name);
    } catch (error) {
      // PostgreSQL away: keep using what was known rather than refusing events.
      if (cached) return cached.rules;
      throw error;
    }
    const version = row ? row.updatedAt.getTime() : 0;
    let rules = UNDECLARED;
    if (row) {
      // An invalid stored schema cannot happen (it is compiled on save); if one did, it must not block intake.
      let validate: ValidateFunction | null = null;
      if (row.schema) {
        validate = cached && cached.version === version ? cached.rules.validate : safeCompile(row.schema);
      }
      rules = { validate, deprecated: row.deprecated };
    }
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(name, { rules, version, expires: now + TTL_MS });
    return rules;
  }
}

function safeCompile(schema: object): ValidateFunction | null {
  try {
    return compileEventSchema(schema);
  } catch {
    return null;
  }
}
