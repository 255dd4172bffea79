// Label selectors as the API server parses them (`a=b,c!=d,e,!f,g in (h,i),j notin (k)`), and the
// checks it makes on names and label values.

type Requirement =
  { key: string; op: 'in' | 'notin'; values: string[] } | { key: string; op: 'exists' | 'absent' };

export type Selector = Requirement[];

/** Splits on commas that are not inside parentheses. */
function terms(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      out.push(current);
      current = '';
    } else current += char;
  }
  out.push(current);
  return out.map((term) => term.trim()).filter((term) => term !== '');
}

/** Parses a selector; throws with the API server's wording for one it cannot read. */
export function parseSelector(text: string | null): Selector {
  if (!text) return [];
  return terms(text).map((term): Requirement => {
    let match = /^([^\s!=()]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (match) {
      const values = match[3]!.split(',').map((value) => value.trim());
      return { key: match[1]!, op: match[2] as 'in' | 'notin', values };
    }
    match = /^([^\s!=()]+)\s*(==|=|!=)\s*([^\s!=()]*)$/.exec(term);
    if (match) return { key: match[1]!, op: match[2] === '!=' ? 'notin' : 'in', values: [match[3]!] };
    match = /^(!?)([^\s!=()]+)$/.exec(term);
    if (match) return { key: match[2]!, op: match[1] ? 'absent' : 'exists' };
    throw new Error(`unable to parse requirement: ${term}`);
  });
}

export function matches(selector: Selector, labels: Record<string, string> | undefined): boolean {
  return selector.every((requirement) => {
    const value = labels?.[requirement.key];
    switch (requirement.op) {
      case 'exists':
        return value !== undefined;
      case 'absent':
        return value === undefined;
      case 'in':
        return value !== undefined && requirement.values.includes(value);
      case 'notin':
        return value === undefined || !requirement.values.includes(value);
    }
  });
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** What is wrong with a set of labels, in the API server's words; undefined when nothing is. */
export function labelProblem(field: string, labels: Record<string, string> | undefined): string | undefined {
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (!LABEL_NAME.test(key) || key.split('/').at(-1)!.length > 63) {
      return `${field}: Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.'`;
    }
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
      return `${field}: Invalid value: "${String(value)}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (must be no more than 63 characters)`;
    }
  }
  return undefined;
}

/** A Job's name must be a DNS label of at most 63 characters (it becomes the pods' `job-name` label). */
export function nameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name === '')
    return 'metadata.name: Required value: name or generateName is required';
  if (name.length > 63 || !DNS_LABEL.test(name)) {
    return `metadata.name: Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (must be no more than 63 characters)`;
  }
  return undefined;
}
