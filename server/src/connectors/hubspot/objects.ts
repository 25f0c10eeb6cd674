/** What the connector knows of HubSpot's CRM objects without asking. */

/** The objects `discover` lists when a config names none. */
export const standardObjects = ['contacts', 'companies', 'deals'] as const;

/** The property holding a record's last modification: contacts keep the legacy name. */
export function modifiedProperty(object: string): string {
  return object === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate';
}

/** A CRM v3 object as the list, search and batch endpoints answer it. */
export interface HubspotObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived?: boolean;
}

/** The error list of a 207 Multi-Status answer, and of a whole refusal. */
export interface HubspotError {
  status?: string;
  category?: string;
  message?: string;
  context?: Record<string, string[] | string>;
  errors?: { message?: string; code?: string; context?: Record<string, string[]> }[];
}

export interface BatchAnswer {
  status?: string;
  /** `new`: an upsert created the record. */
  results?: (HubspotObject & { objectWriteTraceId?: string; new?: boolean })[];
  errors?: HubspotError[];
  numErrors?: number;
}
