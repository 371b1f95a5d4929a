import { useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError, isNotFound } from '../api';

/** Copies a value to the clipboard; says so for screen readers too. */
export function CopyButton({ value, label = 'Copy' }: { value: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      onClick={() => {
        void navigator.clipboard?.writeText(value).then(
          () => setCopied(true),
          () => setCopied(false),
        );
      }}
    >
      {copied ? 'Copied' : label}
      <span className="visually-hidden" aria-live="polite">
        {copied ? ' to the clipboard' : ''}
      </span>
    </button>
  );
}

/** A button that asks first in a modal dialog (keyboard: focus moves in, Escape cancels). */
export function ConfirmButton(props: {
  label: string;
  question: string;
  confirmLabel?: string;
  danger?: boolean;
  onConfirm: () => void;
  disabled?: boolean;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  return (
    <>
      <button
        type="button"
        className={props.danger ? 'danger' : undefined}
        disabled={props.disabled}
        onClick={() => dialog.current?.showModal()}
      >
        {props.label}
      </button>
      <dialog ref={dialog} aria-label={props.question}>
        <p>{props.question}</p>
        <div className="actions">
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button
            type="button"
            className={props.danger ? 'danger' : 'primary'}
            onClick={() => {
              dialog.current?.close();
              props.onConfirm();
            }}
          >
            {props.confirmLabel ?? props.label}
          </button>
        </div>
      </dialog>
    </>
  );
}

/** Loading, not found (another app's object looks the same as a missing one) and other failures of a query. */
export function QueryState({
  error,
  loading,
  what,
  children,
}: {
  error: unknown;
  loading: boolean;
  what: string;
  children: () => ReactNode;
}) {
  if (error) {
    if (isNotFound(error)) {
      return (
        <div className="notice" role="alert">
          <h2>Not found</h2>
          <p>There is no such {what}, or it is not yours to see.</p>
        </div>
      );
    }
    return (
      <p className="error banner" role="alert">
        {error instanceof ApiError ? error.message : `Could not load the ${what}.`}
      </p>
    );
  }
  if (loading) return <p aria-busy="true">Loading…</p>;
  return <>{children()}</>;
}

/** An ISO time as the reader's local time, with the exact value on hover. */
export function Time({ value }: { value: string | null | undefined }) {
  if (!value) return <span>—</span>;
  const date = new Date(value);
  return (
    <time dateTime={value} title={value}>
      {date.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' })}
    </time>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge ${status}`}>{status}</span>;
}

/** Cursor paging: the cursors of the pages before this one are kept, so Previous works too. */
export function usePager() {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  return {
    cursor,
    reset: () => setCursors([undefined]),
    controls: (nextCursor: string | null | undefined) => (
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous page
        </button>
        <button type="button" disabled={!nextCursor} onClick={() => nextCursor && setCursors([...cursors, nextCursor])}>
          Next page
        </button>
      </nav>
    ),
  };
}

/** Sets the document title per page. */
export function useTitle(title: string) {
  useEffect(() => {
    document.title = `${title} · Herald`;
  }, [title]);
}
