import { HubspotError, invalidInput } from './errors.ts';
import type { Route } from './http.ts';
import { sendJson } from './http.ts';

export interface PipelineStage {
  id: string;
  label: string;
  displayOrder: number;
  probability: string;
  isClosed: boolean;
}

export interface Pipeline {
  id: string;
  label: string;
  displayOrder: number;
  stages: PipelineStage[];
}

const stage = (id: string, label: string, displayOrder: number, probability: string, isClosed = false) => ({
  id,
  label,
  displayOrder,
  probability,
  isClosed,
});

/** HubSpot's default deal pipeline, with the stage ids every portal starts with. */
export const dealPipelines: Pipeline[] = [
  {
    id: 'default',
    label: 'Sales Pipeline',
    displayOrder: 0,
    stages: [
      stage('appointmentscheduled', 'Appointment Scheduled', 0, '0.2'),
      stage('qualifiedtobuy', 'Qualified To Buy', 1, '0.4'),
      stage('presentationscheduled', 'Presentation Scheduled', 2, '0.6'),
      stage('decisionmakerboughtin', 'Decision Maker Bought-In', 3, '0.8'),
      stage('contractsent', 'Contract Sent', 4, '0.9'),
      stage('closedwon', 'Closed Won', 5, '1.0', true),
      stage('closedlost', 'Closed Lost', 6, '0.0', true),
    ],
  },
];

export const findPipeline = (id: string) => dealPipelines.find((pipeline) => pipeline.id === id);

/** When the portal's pipelines were made: a fixed instant, so answers do not change between runs. */
const created = '2024-01-01T00:00:00.000Z';

function pipelineJson(pipeline: Pipeline) {
  return {
    id: pipeline.id,
    label: pipeline.label,
    displayOrder: pipeline.displayOrder,
    stages: pipeline.stages.map((entry) => ({
      id: entry.id,
      label: entry.label,
      displayOrder: entry.displayOrder,
      metadata: { isClosed: String(entry.isClosed), probability: entry.probability },
      writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT',
      createdAt: created,
      updatedAt: created,
      archived: false,
    })),
    createdAt: created,
    updatedAt: created,
    archived: false,
  };
}

function pipelinesOf(objectType: string): Pipeline[] {
  if (objectType === 'deals' || objectType === 'deal' || objectType === '0-3') return dealPipelines;
  if (objectType === 'contacts' || objectType === 'companies') {
    throw invalidInput(`Object type ${objectType} does not support pipelines.`);
  }
  throw invalidInput(`Unable to infer object type from: ${objectType}`);
}

/** `GET /crm/v3/pipelines/{objectType}` and `GET /crm/v3/pipelines/{objectType}/{pipelineId}`. */
export function pipelineRoutes(): Route[] {
  return [
    {
      method: 'GET',
      path: /^\/crm\/v3\/pipelines\/([^/]+)\/?$/,
      async handle({ res, params }) {
        sendJson(res, 200, { results: pipelinesOf(params[0] as string).map(pipelineJson) });
      },
    },
    {
      method: 'GET',
      path: /^\/crm\/v3\/pipelines\/([^/]+)\/([^/]+)$/,
      async handle({ res, params }) {
        const pipeline = pipelinesOf(params[0] as string).find((entry) => entry.id === params[1]);
        if (!pipeline) {
          throw new HubspotError(404, 'OBJECT_NOT_FOUND', `Unable to find pipeline ${params[1]} for ${params[0]}`);
        }
        sendJson(res, 200, pipelineJson(pipeline));
      },
    },
  ];
}
