import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useAppId } from '../../app';
import { api, call, fieldErrors } from '../../api';
import { Field } from '../../components/form';
import { QueryState, Time, usePager, useTitle } from '../../components/ui';

/** An app's events, searched by type and time. */
export function EventsPage() {
  useTitle('Events');
  const appId = useAppId();
  const [params, setParams] = useSearchParams();
  const pager = usePager();
  const filters = { eventType: params.get('eventType') ?? '', since: params.get('since') ?? '', until: params.get('until') ?? '' };
  const [draft, setDraft] = useState(filters);
  const iso = (local: string) => (local ? new Date(local).toISOString() : undefined);
  const events = useQuery({
    queryKey: ['events', appId, filters, pager.cursor],
    queryFn: () =>
      call(
        api.GET('/v1/apps/{appId}/events', {
          params: {
            path: { appId },
            query: {
              eventType: filters.eventType || undefined,
              since: iso(filters.since),
              until: iso(filters.until),
              cursor: pager.cursor,
            },
          },
        }),
      ),
  });
  const errors = fieldErrors(events.error);
  const apply = (event: FormEvent) => {
    event.preventDefault();
    pager.reset();
    setParams(Object.fromEntries(Object.entries(draft).filter(([, value]) => value)));
  };
  return (
    <>
      <h1>Events</h1>
      <form className="inline filters" onSubmit={apply} aria-label="Search events">
        <Field label="Event type" error={errors.eventType}>
          {(control) => <input {...control} value={draft.eventType} onChange={(e) => setDraft({ ...draft, eventType: e.target.value })} />}
        </Field>
        <Field label="From" error={errors.since}>
          {(control) => (
            <input {...control} type="datetime-local" value={draft.since} onChange={(e) => setDraft({ ...draft, since: e.target.value })} />
          )}
        </Field>
        <Field label="To" error={errors.until}>
          {(control) => (
            <input {...control} type="datetime-local" value={draft.until} onChange={(e) => setDraft({ ...draft, until: e.target.value })} />
          )}
        </Field>
        <button type="submit">Search</button>
      </form>
      <QueryState error={events.error && Object.keys(errors).length === 0 ? events.error : null} loading={events.isLoading} what="app">
        {() => (
          <>
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Events, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Event</th>
                    <th scope="col">Type</th>
                    <th scope="col">Occurred</th>
                  </tr>
                </thead>
                <tbody>
                  {(events.data?.data ?? []).map((event) => (
                    <tr key={event.id}>
                      <td>
                        <Link className="mono" to={`/apps/${appId}/events/${event.id}`}>
                          {event.id}
                        </Link>
                      </td>
                      <td className="mono">{event.eventType}</td>
                      <td>
                        <Time value={event.occurredAt} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {events.data?.data.length === 0 && <p>No events match.</p>}
            {pager.controls(events.data?.nextCursor)}
          </>
        )}
      </QueryState>
    </>
  );
}
