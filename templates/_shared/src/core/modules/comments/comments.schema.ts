import { z } from 'zod';
import { NO_NUL, STORABLE } from '../../fields';
import { PublicUserSchema } from '../users/users.schema';

export const CommentSchema = z.object({
  id: z.uuid(),
  postId: z.uuid(),
  content: z.string(),
  author: PublicUserSchema,
  createdAt: z.iso.datetime(),
});
export type Comment = z.infer<typeof CommentSchema>;

export const CommentPageSchema = z.object({ data: z.array(CommentSchema), nextCursor: z.string().nullable() });

export const CreateCommentBody = z.object({
  content: z.string().trim().min(1, 'must not be empty').max(5000, 'must be at most 5000 characters').regex(STORABLE, NO_NUL),
});
export type CreateCommentInput = z.infer<typeof CreateCommentBody>;
