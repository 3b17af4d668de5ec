import { Controller, Get, Inject } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { loadConfig } from '../../core/config';
import { ConfigService } from './config.service';

@Controller()
class PortController {
  constructor(@Inject(ConfigService) readonly config: ConfigService) {}

  @Get()
  port(): number {
    return this.config.get('port');
  }
}

describe('ConfigService', () => {
  it('gives a provider the checked configuration, typed', async () => {
    const config = loadConfig({ ...process.env, PORT: '4321' });
    const testing = await Test.createTestingModule({
      controllers: [PortController],
      providers: [{ provide: ConfigService, useValue: new ConfigService(config) }],
    }).compile();
    expect(testing.get(PortController).port()).toBe(4321);
    expect(testing.get(ConfigService).get('corsOrigins')).toEqual(config.corsOrigins);
  });
});
