/** The query part of an audit event's requestURI (`/api/v1/pods?labelSelector=a%3Db&resourceVersion=0`). */

export class UriParseError extends Error {
  constructor(uri: string, detail: string) {
    super(`cannot parse requestURI "${uri}": ${detail}`);
    this.name = 'UriParseError';
  }
}

/** Throws UriParseError for a URI that is not a request path (the original's `kelemetrix::ErrUriParse`). */
export function requestQuery(uri: string | undefined): URLSearchParams {
  if (!uri) return new URLSearchParams();
  let url: URL;
  try {
    url = new URL(uri, 'http://apiserver.invalid');
  } catch (err) {
    throw new UriParseError(uri, (err as Error).message);
  }
  return url.searchParams;
}
