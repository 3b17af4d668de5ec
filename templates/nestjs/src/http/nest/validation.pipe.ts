import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { fieldErrors, ValidationError } from '../../core/errors';

/** Where a parameter comes from, as problem+json names it in every stack. */
const LOCATION: Record<ArgumentMetadata['type'], string> = { body: 'body', query: 'querystring', param: 'params', custom: 'request' };

/**
 * Validates each parameter declared with `{ schema }` (the core's zod schemas are Standard
 * Schemas) and passes on the parsed value; failures become the contract's 400 naming each field.
 */
@Injectable()
export class SchemaValidationPipe implements PipeTransform {
  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const { schema } = metadata;
    if (!schema) return value;
    const result = await schema['~standard'].validate(value);
    if (!result.issues) return result.value;
    const location = LOCATION[metadata.type];
    const issues = result.issues.map((issue) => ({
      path: (issue.path ?? []).map((segment) => (typeof segment === 'object' ? segment.key : segment)),
      message: issue.message,
    }));
    throw new ValidationError(fieldErrors(issues, location), `The request ${location} has invalid fields; see \`errors\`.`);
  }
}
