import { useId, type ReactNode } from 'react';

/** A labelled control with the API's message for it beside it (aria-invalid, aria-describedby). */
export function Field(props: {
  label: string;
  error?: string;
  hint?: string;
  children: (control: { id: string; 'aria-invalid': boolean; 'aria-describedby': string | undefined }) => ReactNode;
}) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [props.error ? errorId : '', props.hint ? hintId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={props.error ? 'field invalid' : 'field'}>
      <label htmlFor={id}>{props.label}</label>
      {props.children({ id, 'aria-invalid': Boolean(props.error), 'aria-describedby': describedBy })}
      {props.hint && (
        <p className="hint" id={hintId}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p className="error" id={errorId} role="alert">
          {props.error}
        </p>
      )}
    </div>
  );
}

/** A problem the form has no field for. */
export function FormError({ error }: { error?: string }) {
  return error ? (
    <p className="error banner" role="alert">
      {error}
    </p>
  ) : null;
}

/** Parses a JSON text field; the message names the field, as the API's would. */
export function parseJson(field: string, text: string): { value?: unknown; error?: string } {
  if (text.trim() === '') return { value: undefined };
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    return { error: `${field} is not valid JSON: ${(error as Error).message}` };
  }
}
