/* Generated from contracts/schemas/common.v1.schema.json by scripts/gen-types.js. Do not edit. */

/**
 * Numéro d'inscription au répertoire (NIR): 13 characters (Corsica 2A/2B allowed) and a 2-digit key. Accepted on entry only; replaced by a pseudonym downstream.
 */
export type Nir = string;
/**
 * SIRET of an establishment: 14 digits, Luhn-valid.
 */
export type Siret = string;
export type IsoDate = string;
export type IsoDateTime = string;
/**
 * Keyed pseudonym of a person (HMAC-SHA-256 of the NIR, base64url).
 */
export type Pseudonym = string;
export type PartnerId = string;
export type Departement = string;
/**
 * The worker, identified by NIR or INS, with optional identity traits (traits d'identité).
 */
export type Worker = Worker1 & Worker2;
export type Worker1 = {
  [k: string]: unknown;
};
/**
 * Département of residence, used to pick territorial partners.
 */
export type Departement1 = string;
/**
 * maladie = ordinary illness; accident-du-travail = work accident; maladie-professionnelle = occupational disease.
 */
export type LeaveNature = 'maladie' | 'accident-du-travail' | 'maladie-professionnelle';
/**
 * Kind of PDP partner.
 */
export type PartnerCategory =
  | 'spsti'
  | 'service-social-carsat'
  | 'service-medical'
  | 'cpam'
  | 'cap-emploi'
  | 'agefiph'
  | 'france-travail'
  | 'fastt'
  | 'mdph'
  | 'transition-pro'
  | 'msa';
/**
 * Pyramide des fragilités (CNAM): T0-T5; T2 kept at the same post, T3a redeployed in the firm, T3b in another firm, T4 proven risk needing medico-social support.
 */
export type PyramideLevel = 'T0' | 'T1' | 'T2' | 'T3a' | 'T3b' | 'T4' | 'T5';
/**
 * PDP measure (dispositif).
 */
export type Measure =
  | 'rendez-vous-liaison'
  | 'visite-pre-reprise'
  | 'visite-reprise'
  | 'visite-mi-carriere'
  | 'essai-encadre'
  | 'crpe'
  | 'temps-partiel-therapeutique'
  | 'amenagement-poste'
  | 'fipu'
  | 'ptp-transition-pro'
  | 'bilan-competences'
  | 'cep'
  | 'aide-agefiph'
  | 'dossier-mdph-rqth'
  | 'formation-reconversion';
/**
 * Situation of the worker reported by a partner. kept-at-post, post-adapted, redeployed-internal and redeployed-external are the maintiens en emploi (job kept, in the same firm or another one).
 */
export type OutcomeKind =
  | 'kept-at-post'
  | 'post-adapted'
  | 'redeployed-internal'
  | 'redeployed-external'
  | 'training-retraining'
  | 'unfit-dismissed'
  | 'invalidity'
  | 'retirement'
  | 'lost-to-follow-up';
/**
 * When the situation was observed: at the end of the accompaniment, or 3, 6 or 12 months after it (IGAS recommendation 20: 6 months).
 */
export type FollowUpPoint = 'end' | '3m' | '6m' | '12m';
/**
 * Who requested a visite de pré-reprise (code du travail R.4624-29): the worker, the médecin traitant, the médecin conseil or the médecin du travail.
 */
export type PreRepriseRequester = 'worker' | 'medecin-traitant' | 'medecin-conseil' | 'medecin-du-travail';
/**
 * Situation category of the fiche de signalement.
 */
export type SignalementReason =
  | 'arret-long'
  | 'arrets-repetes'
  | 'maladie-chronique'
  | 'handicap-rqth'
  | 'inaptitude-envisagee'
  | 'licenciement-inaptitude'
  | 'usure-professionnelle'
  | 'difficulte-au-poste'
  | 'risques-psychosociaux'
  | 'autre';
/**
 * Urgency of a referral.
 */
export type Urgency = 'normale' | 'prioritaire' | 'urgente';

/**
 * Shared definitions (identifiers, dates, people) used by every pdp-hub contract, version 1.
 */
export interface Common {
  Nir?: Nir;
  Ins?: Ins;
  Siret?: Siret;
  IsoDate?: IsoDate;
  IsoDateTime?: IsoDateTime;
  Pseudonym?: Pseudonym;
  PartnerId?: PartnerId;
  Departement?: Departement;
  Worker?: Worker;
  Employer?: Employer;
  LeaveNature?: LeaveNature;
  ConsentRecord?: ConsentRecord;
  PartnerCategory?: PartnerCategory;
  PyramideLevel?: PyramideLevel;
  Measure?: Measure;
  OutcomeKind?: OutcomeKind;
  FollowUpPoint?: FollowUpPoint;
  PreRepriseRequester?: PreRepriseRequester;
  SignalementReason?: SignalementReason;
  Urgency?: Urgency;
}
/**
 * Identifiant national de santé: the NIR-based matricule and the OID of its assigning authority.
 */
export interface Ins {
  value: Nir;
  oid: '1.2.250.1.213.1.4.8' | '1.2.250.1.213.1.4.9' | '1.2.250.1.213.1.4.10' | '1.2.250.1.213.1.4.11';
}
export interface Worker2 {
  nir?: Nir;
  ins?: Ins;
  birthName?: string;
  firstNames?: string;
  birthDate?: IsoDate;
  sex?: 'M' | 'F';
  departement?: Departement1;
}
export interface Employer {
  siret: Siret;
  name?: string;
}
/**
 * The person's consent as collected by the sender (transitional phase of art. L.4622-2-1).
 */
export interface ConsentRecord {
  granted: boolean;
  collectedAt: IsoDateTime;
  collectedBy?: string;
  evidenceRef?: string;
}
