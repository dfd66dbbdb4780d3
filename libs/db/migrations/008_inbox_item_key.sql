-- An inbox item's id is a digest of its partner and its subject (episode, signalement or
-- report): the item_id primary key already holds one row per partner and subject, and look-ups
-- by subject use inbox_items_episode. The second unique index cost every delivered item one
-- more random-key B-tree insert (docs/performance.md); upserts now name the primary key.
ALTER TABLE inbox_items DROP CONSTRAINT inbox_items_partner_id_episode_id_key;
