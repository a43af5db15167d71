// Generated from src/clients/mlflow/openapi.yaml by `npm run generate` (openapi-typescript): do not edit.
export interface paths {
  '/experiments/get-by-name': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['getExperimentByName'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/runs/get': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['getRun'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/runs/search': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations['searchRuns'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/metrics/get-history': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['getMetricHistory'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/registered-models/get': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['getRegisteredModel'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/registered-models/alias': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description The version an alias points at. GitLab's MLflow-compatible API has no aliases: its `alias` here must be a version number. */
    get: operations['getModelVersionByAlias'];
    put?: never;
    post: operations['setRegisteredModelAlias'];
    /** @description Removes the alias (its version stays). An alias the model does not have is 404 RESOURCE_DOES_NOT_EXIST on some servers and 200 on others. */
    delete: operations['deleteRegisteredModelAlias'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/model-versions/get': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['getModelVersion'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/model-versions/search': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['searchModelVersions'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/model-versions/set-tag': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations['setModelVersionTag'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/model-versions/delete-tag': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    delete: operations['deleteModelVersionTag'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/logged-models/{model_id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description MLflow 3's logged model (a model version's `model_id`), with its metrics. */
    get: operations['getLoggedModel'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/logged-models/search': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description MLflow 3's logged models of experiments; `filter` is MLflow's search syntax (e.g. `name = 'model'`; Databricks does not filter on `source_run_id`). */
    post: operations['searchLoggedModels'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/get-artifact': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description One file of a run's artifacts. A missing run or file is 404 RESOURCE_DOES_NOT_EXIST; a folder, or a path the server finds unsafe, 400 INVALID_PARAMETER_VALUE. */
    get: operations['getRunArtifact'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/mlflow-artifacts/artifacts/{artifact_path}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['downloadProxiedArtifact'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    Error: {
      error_code?: string;
      message?: string;
    };
    Experiment: {
      experiment_id?: string;
      name?: string;
      artifact_location?: string;
      lifecycle_stage?: string;
      /** Format: int64 */
      last_update_time?: number;
      /** Format: int64 */
      creation_time?: number;
      tags?: components['schemas']['Tag'][];
    };
    Tag: {
      key?: string;
      value?: string;
    };
    Metric: {
      key?: string;
      value?: number;
      /** Format: int64 */
      timestamp?: number;
      /** Format: int64 */
      step?: number;
      dataset_name?: string;
      dataset_digest?: string;
      model_id?: string;
      run_id?: string;
    };
    Run: {
      info?: {
        run_id?: string;
        run_name?: string;
        experiment_id?: string;
        user_id?: string;
        status?: string;
        /** Format: int64 */
        start_time?: number;
        /** Format: int64 */
        end_time?: number;
        artifact_uri?: string;
        lifecycle_stage?: string;
      };
      data?: {
        metrics?: components['schemas']['Metric'][];
        params?: components['schemas']['Tag'][];
        tags?: components['schemas']['Tag'][];
      };
      outputs?: {
        model_outputs?: {
          model_id?: string;
          /** Format: int64 */
          step?: number;
        }[];
      };
    };
    RegisteredModel: {
      name?: string;
      /** Format: int64 */
      creation_timestamp?: number;
      /** Format: int64 */
      last_updated_timestamp?: number;
      description?: string;
      latest_versions?: components['schemas']['ModelVersion'][];
      tags?: components['schemas']['Tag'][];
      aliases?: {
        alias?: string;
        version?: string;
      }[];
    };
    ModelVersion: {
      name?: string;
      version?: string;
      /** Format: int64 */
      creation_timestamp?: number;
      /** Format: int64 */
      last_updated_timestamp?: number;
      user_id?: string;
      current_stage?: string;
      description?: string;
      source?: string;
      run_id?: string;
      /** @enum {string} */
      status?: 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';
      status_message?: string;
      tags?: components['schemas']['Tag'][];
      run_link?: string;
      aliases?: string[];
      /** @description MLflow 3 — the logged model this version registers. */
      model_id?: string;
      /** @description MLflow 3 — the logged model's metrics, carried by the version. */
      metrics?: components['schemas']['Metric'][];
    };
    LoggedModel: {
      info?: {
        model_id?: string;
        experiment_id?: string;
        name?: string;
        /** Format: int64 */
        creation_timestamp_ms?: number;
        /** Format: int64 */
        last_updated_timestamp_ms?: number;
        artifact_uri?: string;
        status?: string;
        source_run_id?: string;
        model_type?: string;
        tags?: components['schemas']['Tag'][];
      };
      data?: {
        params?: components['schemas']['Tag'][];
        metrics?: components['schemas']['Metric'][];
      };
    };
  };
  responses: {
    /** @description Done (an empty object). */
    Empty: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': Record<string, never>;
      };
    };
    /** @description MLflow's error answer (`RESOURCE_DOES_NOT_EXIST`, `INVALID_PARAMETER_VALUE`, …). */
    Error: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
  };
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  getExperimentByName: {
    parameters: {
      query: {
        experiment_name: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The experiment. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            experiment?: components['schemas']['Experiment'];
          };
        };
      };
      default: components['responses']['Error'];
    };
  };
  getRun: {
    parameters: {
      query: {
        run_id: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The run with its latest metrics, params and tags. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            run?: components['schemas']['Run'];
          };
        };
      };
      default: components['responses']['Error'];
    };
  };
  searchRuns: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          experiment_ids?: string[];
          filter?: string;
          /** @enum {string} */
          run_view_type?: 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';
          max_results?: number;
          order_by?: string[];
          page_token?: string;
        };
      };
    };
    responses: {
      /** @description One page of runs. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            runs?: components['schemas']['Run'][];
            next_page_token?: string;
          };
        };
      };
      default: components['responses']['Error'];
    };
  };
  getMetricHistory: {
    parameters: {
      query: {
        run_id: string;
        metric_key: string;
        page_token?: string;
        max_results?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Every logged value of one metric of a run. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            metrics?: components['schemas']['Metric'][];
            next_page_token?: string;
          };
        };
      };
      default: components['responses']['Error'];
    };
  };
  getRegisteredModel: {
    parameters: {
      query: {
        name: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The registered model. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            registered_model?: components['schemas']['RegisteredModel'];
          };
        };
      };
      default: components['responses']['Error'];
    };
  };
  getModelVersionByAlias: {
    parameters: {
      query: {
        name: string;
        alias: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The model version behind the alias. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            model_version?: components['schemas']['ModelVersion'];
          };
        };
      };
      default: components['responses']['Error'];
    };
  };
  setRegisteredModelAlias: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          name: string;
          alias: string;
          version: string;
        };
      };
    };
    responses: {
      200: components['responses']['Empty'];
      default: components['responses']['Error'];
    };
  };
  deleteRegisteredModelAlias: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          name: string;
          alias: string;
        };
      };
    };
    responses: {
      200: components['responses']['Empty'];
      default: components['responses']['Error'];
    };
  };
  getModelVersion: {
    parameters: {
      query: {
        name: string;
        version: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The model version. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            model_version?: components['schemas']['ModelVersion'];
          };
        };
      };
      default: components['responses']['Error'];
    };
  };
  searchModelVersions: {
    parameters: {
      query?: {
        filter?: string;
        max_results?: number;
        order_by?: string[];
        page_token?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description One page of model versions. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            model_versions?: components['schemas']['ModelVersion'][];
            next_page_token?: string;
          };
        };
      };
      default: components['responses']['Error'];
    };
  };
  setModelVersionTag: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          name: string;
          version: string;
          key: string;
          value: string;
        };
      };
    };
    responses: {
      200: components['responses']['Empty'];
      default: components['responses']['Error'];
    };
  };
  deleteModelVersionTag: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          name: string;
          version: string;
          key: string;
        };
      };
    };
    responses: {
      200: components['responses']['Empty'];
      default: components['responses']['Error'];
    };
  };
  getLoggedModel: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        model_id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The logged model. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            model?: components['schemas']['LoggedModel'];
          };
        };
      };
      default: components['responses']['Error'];
    };
  };
  searchLoggedModels: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          experiment_ids: string[];
          filter?: string;
          max_results?: number;
          order_by?: {
            field_name?: string;
            ascending?: boolean;
          }[];
          page_token?: string;
        };
      };
    };
    responses: {
      /** @description One page of logged models. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            models?: components['schemas']['LoggedModel'][];
            next_page_token?: string;
          };
        };
      };
      default: components['responses']['Error'];
    };
  };
  getRunArtifact: {
    parameters: {
      query: {
        run_id: string;
        path: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The file's bytes. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/octet-stream': string;
        };
      };
      default: components['responses']['Error'];
    };
  };
  downloadProxiedArtifact: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The artifact root's path and the file's, `/`-separated, each segment encoded. */
        artifact_path: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The file's bytes. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/octet-stream': string;
        };
      };
      default: components['responses']['Error'];
    };
  };
}
