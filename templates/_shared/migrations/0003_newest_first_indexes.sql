-- db: no-transaction
-- Indexes that hand out a post's comments and an author's posts newest first, so a page reads
-- its rows straight from the index instead of sorting every comment of the post (or every post
-- of the author): the REST comment pages and the GraphQL nested lists. Rolled back by
-- 0003_newest_first_indexes.rollback.sql. Each replaced index was a prefix of its successor,
-- which serves the foreign-key lookups and counts just as well.
--
-- The line above runs each statement on its own, outside a transaction: CONCURRENTLY builds an
-- index while writes to the table go on (a plain CREATE INDEX blocks them for the whole build).
-- Every statement can run again (IF [NOT] EXISTS). A build cut short leaves its index INVALID:
-- the next run refuses until it is dropped, and names the statement that drops it.
CREATE INDEX CONCURRENTLY IF NOT EXISTS comments_post_id_created_at_id_idx ON comments (post_id, created_at DESC, id DESC);
DROP INDEX CONCURRENTLY IF EXISTS comments_post_id_idx;

CREATE INDEX CONCURRENTLY IF NOT EXISTS posts_author_id_created_at_id_idx ON posts (author_id, created_at DESC, id DESC);
DROP INDEX CONCURRENTLY IF EXISTS posts_author_id_idx;
