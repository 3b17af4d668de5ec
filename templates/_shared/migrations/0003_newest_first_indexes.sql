-- Indexes that hand out a post's comments and an author's posts newest first, so a page reads
-- its rows straight from the index instead of sorting every comment of the post (or every post
-- of the author): the REST comment pages and the GraphQL nested lists. Rolled back by
-- 0003_newest_first_indexes.rollback.sql. Each replaced index was a prefix of its successor,
-- which serves the foreign-key lookups and counts just as well.
--
-- CREATE INDEX blocks writes to its table while it builds. On tables of millions of rows, build
-- the two indexes by hand first, outside a transaction, without blocking writes:
--   CREATE INDEX CONCURRENTLY comments_post_id_created_at_id_idx ON comments (post_id, created_at DESC, id DESC);
--   CREATE INDEX CONCURRENTLY posts_author_id_created_at_id_idx ON posts (author_id, created_at DESC, id DESC);
-- This migration then finds them and only drops the old ones.
CREATE INDEX IF NOT EXISTS comments_post_id_created_at_id_idx ON comments (post_id, created_at DESC, id DESC);
DROP INDEX IF EXISTS comments_post_id_idx;

CREATE INDEX IF NOT EXISTS posts_author_id_created_at_id_idx ON posts (author_id, created_at DESC, id DESC);
DROP INDEX IF EXISTS posts_author_id_idx;
