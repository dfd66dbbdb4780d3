-- The employer's declaration and the insurer's notification of the same leave (same person,
-- establishment and overlapping dates) make one episode: the one that arrived first keeps its
-- id, which partners already hold; the other source's own episode id becomes an alias of it,
-- so its later messages (prolongations, re-sent copies) find the episode (docs/domain.md,
-- "One leave, two sources").
CREATE TABLE episode_aliases (
  alias_id         text COLLATE "C" PRIMARY KEY,
  episode_id       text COLLATE "C" NOT NULL,
  person_pseudonym text COLLATE "C" NOT NULL
);
CREATE INDEX episode_aliases_person ON episode_aliases (person_pseudonym);

-- The insurer's new leaves look for an episode the employer alone reported: few episodes, so a
-- small index, rather than a probe of every episode of the person (docs/performance.md).
CREATE INDEX episodes_employer_only ON episodes (person_pseudonym) WHERE source = 'employer';
