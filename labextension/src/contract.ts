/**
 * The contract the frontend shares with the server and kernel: the TypeScript twin of
 * `jupyter_itbridge/contract.py`.
 *
 * Why a twin and not a generated file: the values are few and change rarely, and a plain
 * module keeps the build free of a Python step. `tests/foundation/test_contract.py` parses
 * this file and fails when any value here differs from the Python one. Keep every value a
 * plain string or array literal, so that test can read it; the union types are derived
 * from the arrays, so a state or kind cannot be added to one without the other.
 */

/** Finding kinds (DESIGN.md "Finding"). */
export const KINDS = [
  'blocked_package',
  'missing_package',
  'missing_driver',
  'resource_limit',
  'network_blocked',
  'access_denied',
  'kernel_died'
] as const;
export type FindingKind = (typeof KINDS)[number];

export const CONFIDENCES = ['high', 'medium', 'low'] as const;
export type Confidence = (typeof CONFIDENCES)[number];

/** Request states, in lifecycle order. `failed` means "retrying", never "given up". */
export const STATES = [
  'queued',
  'sent',
  'acknowledged',
  'resolved',
  'rejected',
  'failed',
  'cancelled'
] as const;
export type RequestState = (typeof STATES)[number];

/** States in which a request still waits for IT (it can be cancelled, +1s join it). */
export const OPEN_STATES: readonly RequestState[] = [
  'queued',
  'sent',
  'acknowledged',
  'failed'
];

export const URGENCIES = ['low', 'normal', 'high'] as const;
export type Urgency = (typeof URGENCIES)[number];

/** Kinds whose subject is a package name (PEP 503-normalised by the server). */
export const PACKAGE_KINDS: readonly FindingKind[] = [
  'blocked_package',
  'missing_package'
];

/** Kinds whose fix (an install by IT) is used after a kernel restart ("Restart kernel"). */
export const RESTART_KINDS: readonly FindingKind[] = [
  'missing_package',
  'missing_driver'
];

/** Card class of a kernel-written `<time datetime="ISO">`: shown in the page's language. */
export const TIME_CLASS = 'jp-ITBridge-time';

/** Card class of a "Restart kernel" button: restarts the kernel of its notebook. */
export const RESTART_CLASS = 'jp-ITBridge-restart';

/** Display-bundle MIME type of a finding (card output, frontend renderer, nbconvert). */
export const MIME_TYPE = 'application/vnd.jupyter.itbridge.finding+json';

/** REST API prefix under the server's `base_url`. */
export const API_PREFIX = 'itbridge/api';

/** Schema ids of the events the server extension emits (jupyter_events). */
export const EVENT_SCHEMA_BASE = 'https://events.jupyter.org/jupyter_itbridge';
export const EVENT_REQUEST_STATE =
  'https://events.jupyter.org/jupyter_itbridge/request_state/v1';
export const EVENT_INCIDENT =
  'https://events.jupyter.org/jupyter_itbridge/incident/v1';
export const EVENT_MESSAGE =
  'https://events.jupyter.org/jupyter_itbridge/message/v1';
