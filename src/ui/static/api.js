// The JSON API of the dashboard server (docs/dashboard.md), from the page.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function getJson(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
  }
  const text = query.toString();
  const response = await fetch(text ? `${path}?${text}` : path, { headers: { Accept: 'application/json' } });
  const body = await response.json().catch(() => null);
  if (!response.ok)
    throw new ApiError(response.status, body?.error?.message ?? `${response.status} ${response.statusText}`);
  return body;
}

export const enc = encodeURIComponent;
