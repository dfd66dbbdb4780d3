-- Look-ups of a person's or an episode's inbox items (message traces, a person's history, a
-- consent withdrawal) read the whole inbox: the unique (partner_id, episode_id) index does not
-- serve episode_id alone. At national scale that is millions of rows per look-up.
CREATE INDEX inbox_items_episode ON inbox_items (episode_id);
