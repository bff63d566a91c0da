import * as React from 'react';

import { IIncident } from './api';
import { describeIncident, formatBytes, formatWhen, kindLabel } from './format';
import {
  BackButton,
  Facts,
  IncidentAction,
  IPanelNavigation
} from './panelParts';

/** Incident details that are shown otherwise (the draft is what the request button uses). */
const HIDDEN_DETAILS = new Set([
  'request_draft',
  'memory',
  'samples',
  'kernels'
]);

/** A detail value as text: bytes in binary units, objects as JSON. */
function detailText(key: string, value: unknown): string | null {
  if (value === null || value === undefined || value === '') {
    return null;
  }
  if (key.endsWith('_bytes') && typeof value === 'number') {
    return formatBytes(value);
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** One incident: what happened in a sentence, the watcher's facts, and the request action. */
export function IncidentDetailView(props: {
  id: number;
  incident: IIncident | undefined;
  nav: IPanelNavigation;
}): JSX.Element {
  const { id, incident, nav } = props;
  const trans = nav.trans;
  if (!incident) {
    return (
      <>
        <BackButton nav={nav} />
        <p className="jp-ITBridge-muted">
          {trans.__('Incident #%1 not found.', id)}
        </p>
      </>
    );
  }
  const details = incident.details ?? {};
  const flat: Record<string, unknown> = {
    ...details,
    ...(details.memory ?? {})
  };
  const rows: [string, string | null][] = [
    [trans.__('When'), formatWhen(incident.created_at)],
    [trans.__('Kind'), kindLabel(incident.kind, trans)],
    [trans.__('Notebook'), incident.notebook_path ?? null],
    [trans.__('Kernel'), incident.kernel_id ?? null]
  ];
  for (const [key, value] of Object.entries(flat)) {
    if (!HIDDEN_DETAILS.has(key)) {
      rows.push([key.replace(/_/g, ' '), detailText(key, value)]);
    }
  }
  return (
    <>
      <BackButton nav={nav} />
      <article className="jp-ITBridge-detail" data-incident-id={id}>
        <h3 className="jp-ITBridge-detailTitle">
          {describeIncident(incident, trans)}
        </h3>
        <Facts rows={rows} />
        <IncidentAction incident={incident} nav={nav} />
      </article>
    </>
  );
}
