import { TranslationBundle } from '@jupyterlab/translation';
import {
  buildIcon,
  extensionIcon,
  infoIcon,
  kernelIcon,
  LabIcon,
  linkIcon,
  notTrustedIcon,
  stopIcon,
  userIcon
} from '@jupyterlab/ui-components';
import * as React from 'react';

import { IIncident, IRequest, linkedRequest, safeUrl } from './api';
import { FindingKind, RequestState } from './contract';
import { incidentActionLabel, stateLabel } from './format';
import { lookup } from './text';

/**
 * Small React pieces of the "IT requests" panel. Everything from a user or a server is a
 * React text child or attribute (escaped by React); nothing is ever set as HTML.
 */

/** What the panel's views ask for; the panel widget implements it. */
export interface IPanelNavigation {
  trans: TranslationBundle;
  showList(): void;
  showRequest(id: number): void;
  showIncident(id: number): void;
  /** Open the prefilled request for an incident (or its request, if one was filed). */
  requestForIncident(incident: IIncident): void;
}

/** Icons JupyterLab 4.0 already ships (`lockIcon` came later: credentials get the user). */
const KIND_ICONS: ReadonlyMap<string, LabIcon> = new Map<FindingKind, LabIcon>([
  ['blocked_package', notTrustedIcon],
  ['missing_package', extensionIcon],
  ['missing_driver', buildIcon],
  ['resource_limit', kernelIcon],
  ['network_blocked', linkIcon],
  ['access_denied', userIcon],
  ['kernel_died', stopIcon]
]);

/** The icon of a request's kind (free-form or unknown kinds: an info icon). A Map, so a
 * kind such as `constructor` finds nothing instead of `Object.prototype.constructor`. */
export function kindIcon(kind: string | null | undefined): LabIcon {
  return lookup(KIND_ICONS, kind, infoIcon);
}

/** A JupyterLab-styled button (`type="button"`, so it never submits a form). */
export function Button(props: {
  label: string;
  onClick: () => void;
  className?: string;
  title?: string;
  /** The request this button opens (`data-request-id`). */
  requestId?: number;
}): JSX.Element {
  return (
    <button
      type="button"
      className={`jp-Button jp-mod-styled jp-ITBridge-button ${props.className ?? ''}`}
      title={props.title}
      data-request-id={props.requestId}
      onClick={props.onClick}
    >
      {props.label}
    </button>
  );
}

/** The state of a request as a coloured badge, in words. */
export function Badge(props: {
  state: RequestState;
  trans: TranslationBundle;
}): JSX.Element {
  return (
    <span className="jp-ITBridge-badge" data-state={props.state}>
      {stateLabel(props.state, props.trans)}
    </span>
  );
}

/** A link to the ticket, when the ticket system gave an http(s) one. */
export function TicketLink(props: {
  request: IRequest;
  trans: TranslationBundle;
}): JSX.Element | null {
  const href = safeUrl(props.request.ticket_url);
  if (!href) {
    return null;
  }
  return (
    <a
      className="jp-ITBridge-ticketLink"
      href={href}
      target="_blank"
      rel="noopener noreferrer"
    >
      {props.trans.__('Ticket %1', props.request.ticket_id ?? '')}
    </a>
  );
}

/** Name/value rows; empty values are left out. */
export function Facts(props: {
  rows: [string, string | null | undefined][];
}): JSX.Element {
  return (
    <dl className="jp-ITBridge-facts">
      {props.rows
        .filter(([, value]) => value)
        .map(([name, value], i) => (
          <React.Fragment key={`${i}:${name}`}>
            <dt>{name}</dt>
            <dd>{value}</dd>
          </React.Fragment>
        ))}
    </dl>
  );
}

/**
 * "Request more memory" for an incident, or "Requested (#N)" (opens that request) once one
 * was filed for it, so the same request is never offered twice.
 */
export function IncidentAction(props: {
  incident: IIncident;
  nav: IPanelNavigation;
}): JSX.Element {
  const { incident, nav } = props;
  const trans = nav.trans;
  const id = linkedRequest(incident);
  if (id !== null) {
    return (
      <Button
        label={trans.__('Requested (#%1)', id)}
        className="jp-ITBridge-requested"
        title={trans.__('Show request #%1', id)}
        requestId={id}
        onClick={() => nav.showRequest(id)}
      />
    );
  }
  return (
    <Button
      label={incidentActionLabel(incident, trans)}
      className="jp-ITBridge-requestMemory"
      onClick={() => nav.requestForIncident(incident)}
    />
  );
}

/** The "← All requests" button of the detail views. */
export function BackButton(props: { nav: IPanelNavigation }): JSX.Element {
  return (
    <Button
      label={props.nav.trans.__('← All requests')}
      className="jp-ITBridge-back"
      onClick={() => props.nav.showList()}
    />
  );
}
