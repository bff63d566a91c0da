import { ServerConnection } from '@jupyterlab/services';

import {
  createAPI,
  ITBridgeNetworkError,
  ITBridgeResponseError,
  linkedRequest,
  requestAPI,
  safeUrl,
  statusMessage,
  UNREACHABLE
} from '../api';

/**
 * `requestAPI` through JupyterLab's real `ServerConnection.makeRequest`; only the network
 * is replaced, by a `fetch` that answers as a Jupyter server (or a proxy in front of it) does.
 */
function server(answer: (request: Request) => Response | Promise<Response>): {
  settings: ServerConnection.ISettings;
  seen: Request[];
} {
  const seen: Request[] = [];
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://127.0.0.1:8888/a%40b/',
    fetch: async (input: RequestInfo, init?: RequestInit) => {
      const request = new Request(input, init);
      seen.push(request);
      return answer(request);
    }
  });
  return { settings, seen };
}

/** The error a call fails with (the test fails if it succeeds). */
function failure(call: Promise<unknown>): Promise<any> {
  return call.then(
    () => {
      throw new Error('the call succeeded');
    },
    error => error
  );
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' }
  });

describe('requestAPI', () => {
  it('calls {base_url}itbridge/api/<endpoint> and returns the JSON', async () => {
    const { settings, seen } = server(() => json(200, { status: 'ok' }));
    await expect(requestAPI('health', {}, settings)).resolves.toEqual({
      status: 'ok'
    });
    const url = new URL(seen[0].url); // JupyterLab adds a cache-busting query
    expect(url.origin + url.pathname).toBe(
      'http://127.0.0.1:8888/a%40b/itbridge/api/health'
    );
  });

  it("throws the server's own message with the status", async () => {
    const { settings } = server(() =>
      json(400, { message: 'summary: required (max 200 characters)' })
    );
    const error = await failure(requestAPI('requests', {}, settings));
    expect(error).toBeInstanceOf(ITBridgeResponseError);
    expect(error).toBeInstanceOf(ServerConnection.ResponseError);
    expect(error.status).toBe(400);
    expect(error.response.status).toBe(400);
    expect(error.message).toBe('summary: required (max 200 characters)');
  });

  it.each([
    [
      404,
      'the jupyter-itbridge server extension is not running on this Jupyter server'
    ],
    [
      403,
      'the Jupyter server did not accept this session; reload the page or log in again'
    ],
    [502, 'the Jupyter server had an internal problem; try again later'],
    [409, 'the Jupyter server refused the request']
  ])('says what a bare %d means', async (status, message) => {
    const { settings } = server(
      () => new Response('<html>Bad Gateway</html>', { status })
    );
    const error = await failure(requestAPI('health', {}, settings));
    expect(error).toBeInstanceOf(ITBridgeResponseError);
    expect(error.status).toBe(status);
    expect(error.message).toBe(message);
    expect(statusMessage(status)).toBe(message);
  });

  it('says the server cannot be reached when nothing answers', async () => {
    const { settings } = server(() => {
      throw new TypeError('Failed to fetch');
    });
    const error = await failure(requestAPI('health', {}, settings));
    expect(error).toBeInstanceOf(ITBridgeNetworkError);
    expect(error).toBeInstanceOf(ServerConnection.NetworkError);
    expect(error.message).toBe(UNREACHABLE);
  });
});

describe('createAPI', () => {
  it('posts JSON and unwraps the lists', async () => {
    const { settings, seen } = server(async request => {
      const path = new URL(request.url).pathname;
      if (path.endsWith('/requests') && request.method === 'GET') {
        return json(200, { requests: [{ id: 1 }] });
      }
      const body = await request.text(); // retry/cancel post no body
      return json(201, { id: 2, ...(body ? JSON.parse(body) : {}) });
    });
    const api = createAPI(settings);
    await expect(api.listRequests()).resolves.toEqual([{ id: 1 }]);
    const filed = await api.file({ summary: 'GPU node', justification: 'CNN' });
    expect(filed).toMatchObject({ id: 2, summary: 'GPU node' });
    expect(seen[1].method).toBe('POST');
    expect(seen[1].headers.get('Content-Type')).toBe('application/json');
    await api.cancel(2);
    expect(new URL(seen[2].url).pathname).toBe(
      '/a%40b/itbridge/api/requests/2/cancel'
    );
  });
});

describe('data from outside', () => {
  it('links only http(s) ticket URLs', () => {
    expect(safeUrl('https://rt.corp.example/Ticket/Display.html?id=3')).toBe(
      'https://rt.corp.example/Ticket/Display.html?id=3'
    );
    expect(safeUrl('javascript:alert(1)')).toBeNull();
    expect(safeUrl('not a url')).toBeNull();
    expect(safeUrl(null)).toBeNull();
  });

  it("offers an incident's action again once its request was cancelled", () => {
    const base = { id: 1, kind: 'kernel_died', details: {}, created_at: '' };
    expect(linkedRequest(base)).toBeNull();
    expect(linkedRequest({ ...base, request_id: 4 })).toBe(4);
    expect(
      linkedRequest({ ...base, request: { id: 4, uuid: 'u', state: 'sent' } })
    ).toBe(4);
    expect(
      linkedRequest({
        ...base,
        request: { id: 4, uuid: 'u', state: 'cancelled' }
      })
    ).toBeNull();
  });
});
