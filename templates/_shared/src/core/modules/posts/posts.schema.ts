import { z } from 'zod';
import { NO_NUL, STORABLE } from '../../fields';
import { PublicUserSchema } from '../users/users.schema';

export const PostSchema = z.object({
  id: z.uuid(),
  title: z.string(),
  content: z.string(),
  published: z.boolean(),
  author: PublicUserSchema,
  counts: z.object({ comments: z.number().int(), likes: z.number().int() }),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Post = z.infer<typeof PostSchema>;

export const PostPageSchema = z.object({ data: z.array(PostSchema), nextCursor: z.string().nullable() });

const Title = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').regex(STORABLE, NO_NUL);
const Content = z.string().min(1, 'must not be empty').max(20000, 'must be at most 20000 characters').regex(STORABLE, NO_NUL);

export const CreatePostBody = z.object({
  title: Title,
  content: Content,
  published: z.boolean().default(true),
});
export type CreatePostInput = z.infer<typeof CreatePostBody>;

export const UpdatePostBody = z
  .object({ title: Title.optional(), content: Content.optional(), published: z.boolean().optional() })
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    message: 'send at least one of title, content, published',
  });
export type UpdatePostInput = z.infer<typeof UpdatePostBody>;

export const LikeStateSchema = z.object({ liked: z.boolean(), likes: z.number().int() });
export type LikeState = z.infer<typeof LikeStateSchema>;
