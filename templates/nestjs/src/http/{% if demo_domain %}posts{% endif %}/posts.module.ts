import { Module } from '@nestjs/common';
import { CommentsController, LikesController, PostsController } from './posts.controller';

/** Posts, their likes and their comments. */
@Module({ controllers: [PostsController, LikesController, CommentsController] })
export class PostsModule {}
