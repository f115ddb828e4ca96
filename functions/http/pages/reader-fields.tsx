import type { FieldIssue } from '../../core/errors.js';
import {
  displayValue,
  type FieldDefinition,
  type FieldValues,
  NAME_MAX_LENGTH,
  DEFAULT_TEXT_LENGTH,
} from '../../core/subscribers/fields.js';

/** What a form posted for the name and the fields: inputs named `name` and `fields.<key>`. */
export type FieldsInput = { name?: string; fields?: Record<string, string> };

/**
 * The name and `fields.<key>` inputs of a posted form, as the input schemas take them. An
 * unticked checkbox posts nothing, so a boolean field the form showed (`fields-offered`) is
 * posted as "no"; a key no form offers is passed on, to be refused by name.
 */
export function fieldsFromForm(
  body: Record<string, string | File | (string | File)[]>,
  shown: readonly FieldDefinition[],
): FieldsInput {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    if (!name.startsWith('fields.') || name === 'fields-offered') continue;
    const text = [value].flat().find((v): v is string => typeof v === 'string');
    if (text !== undefined) fields[name.slice('fields.'.length)] = text;
  }
  if (body['fields-offered'] !== undefined)
    for (const f of shown) if (f.type === 'boolean' && !(f.key in fields)) fields[f.key] = 'no';
  return {
    name: typeof body.name === 'string' ? body.name : undefined,
    fields: Object.keys(fields).length > 0 ? fields : undefined,
  };
}

const inputId = (key: string) => `field-${key}`;

/**
 * The name and the given fields as labelled inputs, each with its error beside it (announced,
 * and tied to the input by aria-describedby), as the email input has.
 */
export function FieldInputs(props: {
  fields: readonly FieldDefinition[];
  values?: { name?: string; fields?: Record<string, unknown> | FieldValues };
  issues?: FieldIssue[];
}) {
  const { fields, values = {}, issues = [] } = props;
  const errorFor = (field: string) =>
    issues
      .filter((i) => i.field === field)
      .map((i) => i.message)
      .join('; ');
  const problem = (id: string, label: string, error: string) =>
    error ? (
      <p class="error" id={`${id}-error`} role="alert">
        {label} {error}.
      </p>
    ) : null;
  const nameError = errorFor('name');
  return (
    <>
      <input type="hidden" name="fields-offered" value="1" />
      <label>
        Your name (optional)
        <input
          type="text"
          name="name"
          autocomplete="name"
          maxlength={NAME_MAX_LENGTH}
          value={values.name ?? ''}
          aria-invalid={nameError ? 'true' : undefined}
          aria-describedby={nameError ? 'name-error' : undefined}
        />
      </label>
      {problem('name', 'Name', nameError)}
      {fields.map((field) => {
        const id = inputId(field.key);
        const error = errorFor(`fields.${field.key}`);
        const raw = values.fields?.[field.key];
        const value =
          typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean'
            ? raw
            : undefined;
        const aria = {
          'aria-invalid': error ? ('true' as const) : undefined,
          'aria-describedby': error ? `${id}-error` : undefined,
        };
        const name = `fields.${field.key}`;
        return (
          <>
            {field.type === 'boolean' ? (
              <label>
                <input
                  type="checkbox"
                  name={name}
                  value="yes"
                  checked={value === true || value === 'yes'}
                  {...aria}
                />
                {field.label}
              </label>
            ) : field.type === 'choice' ? (
              <label>
                {field.label}
                <select name={name} {...aria}>
                  <option value="">(none)</option>
                  {field.options!.map((option) => (
                    <option value={option} selected={option === value}>
                      {option}
                    </option>
                  ))}
                </select>
              </label>
            ) : (
              <label>
                {field.label}
                <input
                  type={field.type === 'number' ? 'text' : field.type}
                  inputmode={field.type === 'number' ? 'decimal' : undefined}
                  name={name}
                  maxlength={
                    field.type === 'text' ? (field.maxLength ?? DEFAULT_TEXT_LENGTH) : undefined
                  }
                  value={value === undefined ? '' : displayValue(value)}
                  {...aria}
                />
              </label>
            )}
            {problem(id, field.label, error)}
          </>
        );
      })}
    </>
  );
}
