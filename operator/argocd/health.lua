-- Argo CD health check for kelemetry.io/KelemetryInstance.
-- Install: argocd-cm `resource.customizations.health.kelemetry.io_KelemetryInstance: |` + this file.
-- Reads the conditions the operator writes (Ready, Degraded, Progressing) and never the spec.
local hs = {}
if obj.metadata ~= nil and obj.metadata.deletionTimestamp ~= nil then
  hs.status = "Progressing"
  hs.message = "Pending deletion: waiting for the operator to remove cluster-scoped objects"
  return hs
end
if obj.spec ~= nil and obj.spec.managementState == "Unmanaged" then
  hs.status = "Suspended"
  hs.message = "managementState is Unmanaged: the operator does not reconcile this instance"
  return hs
end
if obj.status == nil or obj.status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report status"
  return hs
end
if obj.metadata ~= nil and obj.metadata.generation ~= nil and obj.status.observedGeneration ~= nil then
  if obj.status.observedGeneration < obj.metadata.generation then
    hs.status = "Progressing"
    hs.message = "Waiting for the operator to observe generation " .. tostring(obj.metadata.generation)
    return hs
  end
end
local ready = nil
local degraded = nil
local progressing = nil
for _, c in ipairs(obj.status.conditions) do
  if c.type == "Ready" then
    ready = c
  elseif c.type == "Degraded" then
    degraded = c
  elseif c.type == "Progressing" then
    progressing = c
  end
end
if degraded ~= nil and degraded.status == "True" then
  hs.status = "Degraded"
  hs.message = degraded.message
  return hs
end
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message
  return hs
end
hs.status = "Progressing"
if progressing ~= nil and progressing.status == "True" then
  hs.message = progressing.message
elseif ready ~= nil then
  hs.message = ready.message
else
  hs.message = "Waiting for components to become ready"
end
return hs
