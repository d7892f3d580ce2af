// Package health assesses the health of Kubernetes objects the way Argo CD
// does, so that Applications moved from Argo CD report the same health.
//
// Assess looks at one live object and returns a Status and a message for
// people. Each kind with built-in rules has its own file: workloads
// (Deployment, StatefulSet, DaemonSet, ReplicaSet, Pod), networking
// (Service, Ingress), storage (PersistentVolumeClaim), batch (Job, CronJob),
// HorizontalPodAutoscaler and APIService. Every other kind is Healthy once it
// exists. A nil object is Missing. Where Tether deliberately differs from
// Argo CD (Job conditions, HorizontalPodAutoscaler metric failures), the
// kind's check says so.
//
// Worst, IsWorse and Less rank statuses as Argo CD does when it turns the
// health of an Application's resources into the health of the Application.
//
// The package reads only the object it is given: it makes no API calls and
// does not follow owner references (a Deployment's Pods do not change the
// Deployment's health). It has no custom (Lua) health checks.
package health
