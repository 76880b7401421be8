package dev.poet.analyze;

/**
 * Everything analysis needs to know about one execution, folded from its processed records:
 * what it did, its latest verdict (by event time; repeated verdicts marked {@code duplicate_of}
 * are skipped), its alert's fate, its cost and business impact.
 */
public final class ExecutionFacts {
    public final String id;
    String function;
    String version;
    long time = Long.MIN_VALUE;
    boolean known;
    boolean alert;
    Boolean success;
    Double durationMs;
    String feature;
    String featureType;
    String test;
    String paramsRevision;
    /** The monitored input, from the function's incident key ({@code feature} unless set otherwise). */
    String subject;
    Boolean verdictReal;
    String verdictReason;
    long verdictTime = Long.MIN_VALUE;
    boolean alertRaised;
    Double timeToAckS;
    boolean batchDismissed;
    double cost;
    boolean hasCost;
    double revenueImpact;
    double conversionImpact;
    boolean hasImpact;

    ExecutionFacts(String id) {
        this.id = id;
    }

    public boolean isAlert() {
        return alert;
    }

    public Boolean verdict() {
        return verdictReal;
    }

    public String version() {
        return version;
    }

    public long time() {
        return time;
    }

    public String function() {
        return function;
    }

    public String feature() {
        return feature;
    }

    /** The monitored input whose executions form incidents ({@code learning.incidents.key}), or null. */
    public String subject() {
        return subject;
    }

    public String test() {
        return test;
    }

    /** The parameters revision the execution ran with ({@code params_revision}), or null when not recorded. */
    public String paramsRevision() {
        return paramsRevision;
    }

    /** The reason given with the latest verdict, or null. */
    public String verdictReason() {
        return verdictReason;
    }

    /** What the execution cost (its own cost_usd and cost events), or null when nothing was recorded. */
    public Double cost() {
        return hasCost ? cost : null;
    }

    /** Whether an execution event was seen (outcomes can arrive first). */
    public boolean known() {
        return known;
    }
}
