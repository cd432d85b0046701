import { Controller, Get, Header, Inject } from '@nestjs/common';
import { API_DEPENDENCIES, type ApiDependencies } from '../api-dependencies';

@Controller()
export class MetricsController {
  constructor(@Inject(API_DEPENDENCIES) private readonly deps: ApiDependencies) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async metrics(): Promise<string> {
    return this.deps.telemetry.registry.metrics();
  }
}
