/**
 * The small part of FHIR R4 the hub reads and writes (Task, Communication, Consent,
 * Organization, Endpoint, Bundle). Not a contract of the hub: the FHIR specification is.
 */
export interface Identifier {
  use?: string;
  type?: CodeableConcept;
  system?: string;
  value?: string;
}
export interface Coding {
  system?: string;
  code?: string;
  display?: string;
}
export interface CodeableConcept {
  coding?: Coding[];
  text?: string;
}
export interface Reference {
  reference?: string;
  type?: string;
  identifier?: Identifier;
  display?: string;
}
export interface Period {
  start?: string;
  end?: string;
}
export interface Attachment {
  contentType?: string;
  data?: string;
  url?: string;
  title?: string;
}

export interface Resource {
  resourceType: string;
  id?: string;
  meta?: { versionId?: string; lastUpdated?: string; profile?: string[] };
  [key: string]: unknown;
}

export interface Patient extends Resource {
  resourceType: 'Patient';
  identifier?: Identifier[];
  name?: { use?: string; family?: string; given?: string[] }[];
  gender?: 'male' | 'female';
  birthDate?: string;
}

export interface Task extends Resource {
  resourceType: 'Task';
  contained?: Resource[];
  identifier?: Identifier[];
  status: string;
  statusReason?: CodeableConcept;
  intent: string;
  priority?: string;
  code?: CodeableConcept;
  description?: string;
  for?: Reference;
  authoredOn?: string;
  lastModified?: string;
  requester?: Reference;
  owner?: Reference;
  reasonCode?: CodeableConcept;
}

export interface Communication extends Resource {
  resourceType: 'Communication';
  identifier?: Identifier[];
  basedOn?: Reference[];
  status: string;
  subject?: Reference;
  sent?: string;
  recipient?: Reference[];
  sender?: Reference;
  payload?: { contentString?: string; contentAttachment?: Attachment }[];
}

export interface ConsentProvisionActor {
  role: CodeableConcept;
  reference: Reference;
}

export interface Consent extends Resource {
  resourceType: 'Consent';
  status: string;
  scope?: CodeableConcept;
  category?: CodeableConcept[];
  patient?: Reference;
  dateTime?: string;
  performer?: Reference[];
  sourceAttachment?: Attachment;
  sourceReference?: Reference;
  provision?: { type?: 'deny' | 'permit'; period?: Period; actor?: ConsentProvisionActor[]; purpose?: Coding[] };
}

export interface Organization extends Resource {
  resourceType: 'Organization';
  identifier?: Identifier[];
  active?: boolean;
  type?: CodeableConcept[];
  name?: string;
  address?: { postalCode?: string; state?: string; city?: string }[];
  endpoint?: Reference[];
}

export interface Endpoint extends Resource {
  resourceType: 'Endpoint';
  status: string;
  address: string;
}

export interface Bundle<R extends Resource = Resource> extends Resource {
  resourceType: 'Bundle';
  type: string;
  total?: number;
  entry?: {
    fullUrl?: string;
    resource?: R;
    search?: { mode?: string };
    request?: { method: string; url: string; ifNoneExist?: string; ifMatch?: string };
    response?: { status: string; location?: string };
  }[];
  link?: { relation: string; url: string }[];
}
