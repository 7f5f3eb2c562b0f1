/// The OpenAPI 3.0 description of the JSON API, served at
/// `/api/openapi.json` and validated by the tests (openapi-spec-validator).
enum OpenAPIDocument {
    static let text = """
        {
          "openapi": "3.0.3",
          "info": {
            "title": "Payplan workbench API",
            "version": "1.0.0",
            "description": "The API of `payplan serve`: the periods of a data folder, the plan's editable values, what-if evaluations and candidate plan files. Read-only: nothing is ever written. Money is decimal text at the plan's scale (\\"512029.90\\"). Every request needs the access token printed by `payplan serve`: `Authorization: Bearer TOKEN`, or the cookie the browser gets on its first visit."
          },
          "servers": [{"url": "/"}],
          "security": [{"bearer": []}, {"cookie": []}],
          "paths": {
            "/api/periods": {
              "get": {
                "operationId": "periods",
                "summary": "The plan, the data folder and the periods it offers",
                "responses": {
                  "200": {"description": "Periods", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Periods"}}}},
                  "401": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/api/parameters": {
              "get": {
                "operationId": "parameters",
                "summary": "Every number of the plan the workbench edits, by rule, with its parameter path",
                "parameters": [{"name": "lang", "in": "query", "required": false, "schema": {"type": "string", "enum": ["zh", "en"]}}],
                "responses": {
                  "200": {
                    "description": "Groups of parameters",
                    "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/ParameterGroup"}}}}
                  },
                  "401": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/api/whatif": {
              "post": {
                "operationId": "whatIf",
                "summary": "The plan in force with some values changed, against the plan as it is, for one period",
                "requestBody": {
                  "required": true,
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WhatIfRequest"}}}
                },
                "responses": {
                  "200": {"description": "The effect", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WhatIfAnswer"}}}},
                  "400": {"$ref": "#/components/responses/Problem"},
                  "401": {"$ref": "#/components/responses/Problem"},
                  "413": {"$ref": "#/components/responses/Problem"},
                  "415": {"$ref": "#/components/responses/Problem"},
                  "422": {"$ref": "#/components/responses/Problem"},
                  "503": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/api/candidate.yaml": {
              "get": {
                "operationId": "candidatePlan",
                "summary": "The plan file with only the changed values replaced in place (comments, order and formatting kept)",
                "parameters": [{
                  "name": "set", "in": "query", "required": false, "explode": true,
                  "description": "PATH=VALUE, repeatable, as `payplan whatif --set`",
                  "schema": {"type": "array", "items": {"type": "string"}}
                }],
                "responses": {
                  "200": {
                    "description": "The candidate plan; its fingerprint in X-Payplan-Fingerprint",
                    "headers": {"X-Payplan-Fingerprint": {"schema": {"type": "string"}}},
                    "content": {"application/yaml": {"schema": {"type": "string"}}}
                  },
                  "400": {"$ref": "#/components/responses/Problem"},
                  "401": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/api/openapi.json": {
              "get": {
                "operationId": "openAPI",
                "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3", "content": {"application/json": {"schema": {"type": "object"}}}}}
              }
            }
          },
          "components": {
            "securitySchemes": {
              "bearer": {"type": "http", "scheme": "bearer", "description": "The token in the URL payplan serve prints"},
              "cookie": {"type": "apiKey", "in": "cookie", "name": "payplan_PORT", "description": "Set on the first visit with ?token=…; HttpOnly, SameSite=Strict"}
            },
            "responses": {
              "Problem": {"description": "A problem", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            },
            "schemas": {
              "Money": {"type": "string", "pattern": "^-?[0-9]+(\\\\.[0-9]+)?$", "example": "512029.90"},
              "WhatIfRequest": {
                "type": "object",
                "required": ["period"],
                "additionalProperties": false,
                "properties": {
                  "period": {"type": "string", "example": "2026-Q3"},
                  "set": {
                    "type": "object",
                    "description": "Parameter path → new value (text, or a JSON number kept exactly as written)",
                    "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "number"}]},
                    "example": {"rules.np_award.threshold": "40000"}
                  },
                  "lang": {"type": "string", "enum": ["zh", "en"], "description": "Language of the chart labels"}
                }
              },
              "RepChange": {
                "type": "object",
                "required": ["rep_id", "name", "team", "base", "candidate", "delta"],
                "properties": {
                  "rep_id": {"type": "string"}, "name": {"type": "string"}, "team": {"type": "string"},
                  "base": {"$ref": "#/components/schemas/Money"}, "candidate": {"$ref": "#/components/schemas/Money"},
                  "delta": {"$ref": "#/components/schemas/Money"}, "delta_percent": {"type": "string", "nullable": true}
                }
              },
              "WhatIfAnswer": {
                "type": "object",
                "required": ["period", "base_total", "candidate_total", "delta", "reps_up", "reps_down", "reps_unchanged", "candidate_fingerprint"],
                "properties": {
                  "period": {"type": "string"},
                  "base_fingerprint": {"type": "string"},
                  "candidate_fingerprint": {"type": "string"},
                  "data_fingerprint": {"type": "string"},
                  "base_total": {"$ref": "#/components/schemas/Money"},
                  "candidate_total": {"$ref": "#/components/schemas/Money"},
                  "delta": {"$ref": "#/components/schemas/Money"},
                  "delta_percent": {"type": "string", "nullable": true},
                  "reps": {"type": "integer"},
                  "reps_up": {"type": "integer"},
                  "reps_down": {"type": "integer"},
                  "reps_unchanged": {"type": "integer"},
                  "largest_gains": {"type": "array", "items": {"$ref": "#/components/schemas/RepChange"}},
                  "largest_losses": {"type": "array", "items": {"$ref": "#/components/schemas/RepChange"}},
                  "teams": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "team": {"type": "string"}, "reps": {"type": "integer"}, "base": {"$ref": "#/components/schemas/Money"},
                        "candidate": {"$ref": "#/components/schemas/Money"}, "delta": {"$ref": "#/components/schemas/Money"}
                      }
                    }
                  },
                  "team_changes": {"type": "array", "items": {"type": "object"}},
                  "flag_changes": {"type": "array", "items": {"type": "object"}},
                  "distribution": {
                    "type": "array",
                    "items": {"type": "object", "properties": {"bucket": {"type": "string"}, "reps": {"type": "integer"}}}
                  },
                  "changes": {
                    "type": "array",
                    "description": "The semantic diff of the candidate against the plan in force",
                    "items": {"type": "object", "properties": {"kind": {"type": "string"}, "path": {"type": "string"}, "text": {"type": "string"}}}
                  },
                  "charts": {"type": "object", "properties": {"distribution": {"type": "string"}, "teams": {"type": "string"}}},
                  "elapsed_ms": {"type": "integer"}
                }
              },
              "Periods": {
                "type": "object",
                "properties": {
                  "plan": {"type": "object"},
                  "data": {"type": "object"},
                  "periods": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "period": {"type": "string"}, "start": {"type": "string", "format": "date"}, "end": {"type": "string", "format": "date"},
                        "closed": {"type": "boolean"}, "report": {"type": "string"}
                      }
                    }
                  },
                  "default": {"type": "string", "nullable": true},
                  "ledger": {"type": "object"}
                }
              },
              "ParameterGroup": {
                "type": "object",
                "properties": {
                  "group": {"type": "string"}, "title": {"type": "string"},
                  "parameters": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "path": {"type": "string"}, "label": {"type": "string"}, "kind": {"type": "string", "enum": ["number", "test"]},
                        "value": {"type": "string"}, "line": {"type": "integer"}
                      }
                    }
                  }
                }
              },
              "Problem": {
                "type": "object",
                "required": ["error", "code"],
                "properties": {
                  "error": {"type": "string"}, "code": {"type": "string", "example": "W906"}, "path": {"type": "string"},
                  "help": {"type": "string"}, "diagnostics": {"type": "array", "items": {"type": "object"}}, "text": {"type": "string"}
                }
              }
            }
          }
        }
        """
}
